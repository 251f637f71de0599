# A Python resource server verifying a Gatehouse token from its JWKS with PyJWT's PyJWKClient,
# as the README's "Resource servers" section shows. Not part of the seed.
# Usage: verify_jwks.py JWKS_URL ISSUER AUDIENCE ALGORITHM TOKEN; prints the claims as JSON.

import json
import sys

import jwt

jwks_url, issuer, audience, algorithm, token = sys.argv[1:6]
signing_key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
claims = jwt.decode(token, signing_key.key, algorithms=[algorithm], audience=audience, issuer=issuer)
print(json.dumps(claims))
