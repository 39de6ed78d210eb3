"""Credentials on open standards: OpenID4VCI 1.0 issuance of IETF SD-JWT VCs to a holder's own wallet
app, OpenID4VP 1.0 presentations to registered relying parties, and IETF Token Status Lists.

* ``sdjwt``       SD-JWT (RFC 9901) and SD-JWT VC: disclosures, key binding, verification;
* ``statuslist``  Token Status List: a status slot per copy, the signed, compressed list;
* ``oid4vci``     issuance: metadata, offers, tokens, nonces, proofs, copies;
* ``oid4vp``      verification: the register's limits, request objects, the wallet's answer;
* ``views`` and ``urls``  the protocol endpoints, in the shapes the specifications fix (mounted at
  the site's root: the well-known documents sit at fixed paths under the issuer's origin).

The 亮证 code (the platform's own signed QR), the wallet pages and the key ring stay in
``credentials``; this package uses them and they do not use it, except to mark a copy withdrawn
(``statuslist.changed``) and to list a holder's wallet offers.
"""
