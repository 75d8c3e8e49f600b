"""IMAP checks from the outside machine: login over TLS, find the test message, move it to Junk,
and refuse a plaintext login. Prints one JSON object."""
import imaplib, json, ssl, sys

host, user, password, subject = sys.argv[1:5]
out = {}
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with imaplib.IMAP4_SSL(host, 993, ssl_context=ctx) as m:
    out["login"] = m.login(user, password)[0]
    m.select("INBOX")
    typ, data = m.search(None, "SUBJECT", f'"{subject}"')
    ids = data[0].split()
    out["found"] = len(ids)
    if ids:
        typ, _ = m.copy(ids[-1], "Junk")  # a COPY into Junk is what imapsieve watches
        out["copy_to_junk"] = typ
try:
    with imaplib.IMAP4(host, 143) as m:
        out["caps_plain"] = " ".join(c.decode() if isinstance(c, bytes) else c for c in m.capabilities)
        m.login(user, password)
        out["plaintext_login"] = "accepted"
except imaplib.IMAP4.error as e:
    out["plaintext_login"] = f"refused: {e}"
print(json.dumps(out))
