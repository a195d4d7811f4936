"""Canonicalization on the tree the gateway parsed, with libxml2's C14N (through lxml).

lxml offers C14N 1.0 and exclusive C14N, each with or without comments.  C14N 1.1 differs from
1.0 only for a document subset whose omitted ancestors carry ``xml:`` attributes (1.1 inherits
``xml:lang``/``xml:space``, joins ``xml:base`` and drops ``xml:id``); it is canonicalized as 1.0
here, as signxml does: the whole document (the enveloped reference) has no omitted ancestors, and
for SignedInfo and SignedProperties neither verifier inherits ``xml:`` attributes.

A same-document reference (``URI=""``, ``URI="#id"``) selects its node-set without comments
whatever the canonicalization says (XML-DSig 1.1 section 4.4.3.3), so references are always
canonicalized without comments; the profile refuses comments inside the message anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#"
#: re-reads what lxml itself wrote (no DTD or entities can be in it); whitespace kept
_COPY_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
WITH_COMMENTS = "#WithComments"


@dataclass(frozen=True, slots=True)
class Canonicalization:
    exclusive: bool
    with_comments: bool

    @classmethod
    def named(cls, algorithm: str) -> Canonicalization:
        """For one of the profile's C14N URIs (checked by the profile before this is asked)."""
        return cls(exclusive=algorithm.startswith(EXCLUSIVE), with_comments=algorithm.endswith(WITH_COMMENTS))

    def of(self, element: etree._Element, prefixes: Sequence[str] | None = None) -> bytes:
        """``element`` and its descendants, with the namespaces in scope where it stands (its
        ancestors are left out, as for SignedInfo and SignedProperties).

        An element inside a document is canonicalized as a copy of its own: libxml2 writes a
        spurious ``xmlns=""`` on its children when an ancestor declared the default namespace (an
        unprefixed Signature under inclusive C14N); the copy carries its in-scope namespaces and
        does not.  Such elements are small (SignedInfo, SignedProperties)."""
        if element.getparent() is not None:
            element = etree.fromstring(etree.tostring(element), _COPY_PARSER)
        return etree.tostring(
            element,
            method="c14n",
            exclusive=self.exclusive,
            with_comments=self.with_comments,
            inclusive_ns_prefixes=prefixes or None,
        )

    def without_comments(self) -> Canonicalization:
        return Canonicalization(self.exclusive, with_comments=False)


def enveloped_document(
    root: etree._Element, signature: etree._Element, method: Canonicalization, prefixes: Sequence[str] | None
) -> tuple[bytes | memoryview, ...]:
    """The canonical form of the document without ``signature``, in pieces to be digested one
    after the other: what stands before the root element (processing instructions: ``URI=""`` is
    the whole document, and signs them; comments it leaves out), the root element up to the
    signature, from the signature on, and what stands after the root element.

    The document is canonicalized once, signature included, and the signature's own span is cut
    out of the output: the tree is not touched (taking the element out and putting it back would
    make lxml rewrite namespace declarations).  Cutting is exact because nothing outside an
    element's span depends on the element: each element's rendering depends on its ancestors only,
    and the text before and after the signature stays as it is, which is what the enveloped
    transform asks for.  In canonical form every ``<`` starts a tag (text and attribute values
    escape it, and the profile refuses comments and processing instructions inside the message),
    so the span is found by counting the tags of the signature's name.
    """
    output = method.without_comments().of(root, prefixes)
    local = etree.QName(signature).localname
    name = (f"{signature.prefix}:{local}" if signature.prefix else local).encode()
    opening, closing = b"<" + name, b"</" + name + b">"
    # elements written with the same name: same prefix and local name, in whatever namespace
    alike, prefix = f"{{*}}{local}", signature.prefix
    after_it = sum(1 for s in signature.itersiblings() for node in s.iter(alike) if node.prefix == prefix)
    inside_it = sum(1 for node in signature.iterdescendants(alike) if node.prefix == prefix)
    end = len(output)
    for _ in range(after_it + 1):
        end = output.rindex(closing, 0, end)
    start = end
    found = 0
    while found <= inside_it:
        start = output.rindex(opening, 0, start)
        if output[start + len(opening) : start + len(opening) + 1] in (b" ", b">"):
            found += 1
    whole = memoryview(output)
    before, after = _beside_root(root, method, prefixes)
    return before, whole[:start], whole[end + len(closing) :], after


def _beside_root(
    root: etree._Element, method: Canonicalization, prefixes: Sequence[str] | None
) -> tuple[bytes, bytes]:
    """The canonical form of the processing instructions before and after the root element (C14N
    puts a line break between each of them and the root); empty when there are none, as in almost
    every message."""
    before = [n for n in root.itersiblings(preceding=True) if isinstance(n, etree._ProcessingInstruction)]
    after = [n for n in root.itersiblings() if isinstance(n, etree._ProcessingInstruction)]
    if not before and not after:
        return b"", b""
    whole = etree.tostring(
        root.getroottree(),
        method="c14n",
        exclusive=method.exclusive,
        with_comments=False,
        inclusive_ns_prefixes=prefixes or None,
    )
    own = method.without_comments().of(root, prefixes)
    start = whole.index(own)
    return whole[:start], whole[start + len(own) :]
