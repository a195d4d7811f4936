"""Key generation and PEM (de)serialisation for the demo PKI."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def generate_key(rsa_bits: int | None = None) -> PrivateKey:
    """An EC P-256 key, or an RSA key of ``rsa_bits`` (1024 allowed, for weak-key tests)."""
    if rsa_bits is None:
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)


def private_key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM: demo keys only."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key_pem(data: bytes) -> PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"unsupported key type {type(key).__name__}: only RSA and EC keys")
    return key


def public_key_of(cert_or_csr: x509.Certificate | x509.CertificateSigningRequest) -> PublicKey:
    key = cert_or_csr.public_key()
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValueError(f"unsupported public key type {type(key).__name__}: only RSA and EC keys")
    return key


def certificate_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 over the DER certificate, lower-case hex without separators."""
    return cert.fingerprint(hashes.SHA256()).hex()


def public_key_bits(key: PublicKey) -> bytes:
    """The subjectPublicKey BIT STRING contents (what OCSP's issuerKeyHash is computed over)."""
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def signing_key_usage() -> x509.KeyUsage:
    """Signatures on documents: digitalSignature and nonRepudiation (contentCommitment)."""
    return key_usage(digital_signature=True, content_commitment=True)


def key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
