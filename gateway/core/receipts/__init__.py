"""The gateway's signed answers to a submission: the UPO (received) and the NPP (refused).

``document`` builds the unsigned XML from a verdict (pure), ``signer`` signs it with the gateway's
key, ``verify`` checks a receipt offline, ``store`` keeps the one issued for each document.
"""
