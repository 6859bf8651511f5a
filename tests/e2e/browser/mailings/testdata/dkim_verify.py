"""Verify a message's first DKIM signature with dkimpy (Debian's
python3-dkim), an implementation independent of the service's.

usage: python3 dkim_verify.py NAME TXT < message
NAME is the DKIM record's name (selector._domainkey.domain) and TXT its
value, as the Domains page shows them: the only record the lookup knows.
Prints the result, d= and s=; exits 0 on a pass, 1 otherwise.
"""
import sys

import dkim

name, txt = sys.argv[1].encode(), sys.argv[2].encode()


def dnsfunc(qname, timeout=5):
    return txt if qname.rstrip(b".").lower() == name.lower() else None


message = sys.stdin.buffer.read()
d = dkim.DKIM(message)
ok = d.verify(dnsfunc=dnsfunc)
print("dkim.verify: %s d=%s s=%s" % ("pass" if ok else "fail", (d.domain or b"").decode(), (d.selector or b"").decode()))
sys.exit(0 if ok else 1)
