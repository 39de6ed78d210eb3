"""Credentials on open standards: OpenID4VCI 1.0 issuance of IETF SD-JWT VCs to a holder's own wallet
app, OpenID4VP 1.0 presentations to registered relying parties, and IETF Token Status Lists.

* ``sdjwt``       SD-JWT (RFC 9901) and SD-JWT VC: disclosures, key binding, verification;
* ``statuslist``  the Token Status List format: values, bits, ZLIB, reading one slot of a signed list;
* ``slots``       a status slot per copy handed to a device, and marking a credential's copies changed;
* ``oid4vci``     issuance: metadata, offers, tokens, nonces, proofs, copies;
* ``oid4vp``      verification: the register's limits, request objects, the wallet's answer;
* ``protocol``    OpenID4VCI's constants, its error shape, the anonymous wallet app (an actor), grants;
* ``selectors``   the reads: metadata documents, access tokens, the published status lists, the
                  verifier's check of a presentation, a verifier's registration as a wallet reads it;
* ``views`` and ``urls``  the protocol endpoints, in the shapes the specifications fix (mounted at
  the site's root: the well-known documents sit at fixed paths under the issuer's origin).

The 亮证 code (the platform's own signed QR), the wallet pages and the key ring stay in
``credentials``. This package uses them; of its write code, ``credentials.services`` uses only
``slots.changed`` (a status change withdraws the copies on devices), and credentials' pages and API
call its use cases as any front does (the wallet's offer, the verifier console, the register).
"""
