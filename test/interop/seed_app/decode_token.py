# Decodes tokens the way a FastAPI app sharing the secret does, with both libraries the
# tutorials use: PyJWT's `jwt.decode(token, SECRET_KEY, algorithms=["HS256"])` and
# python-jose's `jose.jwt.decode(...)`. Not part of the seed. Reads one token per line on
# stdin and answers each with one JSON line: each library's claims or error, and `now`, the
# whole-second clock PyJWT checks `iat` against (so a test can tell it decoded in the second
# the token was made).

import calendar
import datetime
import json
import sys

import jose
import jose.jwt
import jwt

SECRET_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"

print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    token = line.strip()
    now = calendar.timegm(datetime.datetime.now(tz=datetime.timezone.utc).utctimetuple())
    answer = {"now": now}
    for name, decode, error in (
        ("pyjwt", jwt.decode, jwt.PyJWTError),
        ("python-jose", jose.jwt.decode, jose.JWTError),
    ):
        try:
            answer[name] = {"claims": decode(token, SECRET_KEY, algorithms=["HS256"])}
        except error as failure:
            answer[name] = {"error": f"{type(failure).__name__}: {failure}"}
    print(json.dumps(answer), flush=True)
