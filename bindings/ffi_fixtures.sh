# Fixtures of the C ABI tests: a throwaway PKI and connectors made fresh each run, shared by
# bindings/run_ffi_tests.sh (Linux) and tests/windows/run.sh (the same C suite against pqx.dll
# under wine). Sourced; needs ROOT (the repository), FIX (the fixture folder) and PASSWORD.

make_pki() {
  rm -rf "$FIX" && mkdir -p "$FIX" && cd "$FIX" || return 1
  local q=(-loglevel error) days=3650
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $days -keyout root.key -out root.pem \
    -subj "/O=pqx test/CN=pqx FFI Test Root" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
  openssl x509 -in root.pem -outform DER -out root.der || return 1
  openssl x509 -in root.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' > root.sha1 || return 1
  leaf() { # leaf NAME CN EKU
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/O=pqx test/CN=$2" 2>/dev/null || return 1
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA root.pem -CAkey root.key -CAcreateserial -sha256 -days 365 \
      -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  }
  leaf leaf "pqx FFI Test Signer" codeSigning || return 1
  leaf noeku "pqx FFI Test Web Server" serverAuth || return 1
  openssl x509 -in leaf.pem -outform DER -out leaf.der || return 1
  openssl x509 -in noeku.pem -outform DER -out noeku.der || return 1
  # The leaf key in .NET's XML form, for the C# test's RSA.Create() + FromXmlString.
  python3 - <<'PY' || return 1
import base64
from cryptography.hazmat.primitives.serialization import load_pem_private_key
k = load_pem_private_key(open("leaf.key", "rb").read(), None)
n, pub = k.private_numbers(), k.public_key().public_numbers()
size = (pub.n.bit_length() + 7) // 8
b = lambda v, l=None: base64.b64encode(v.to_bytes(l or (v.bit_length() + 7) // 8, "big")).decode()
half = (size + 1) // 2
parts = [("Modulus", b(pub.n, size)), ("Exponent", b(pub.e)), ("P", b(n.p, half)), ("Q", b(n.q, half)),
         ("DP", b(n.dmp1, half)), ("DQ", b(n.dmq1, half)), ("InverseQ", b(n.iqmp, half)), ("D", b(n.d, size))]
open("leaf.xml", "w").write("<RSAKeyValue>" + "".join(f"<{t}>{v}</{t}>" for t, v in parts) + "</RSAKeyValue>")
PY
  cat leaf.pem root.pem > chain.pem
  # A chain file that lists the root first: its thumbprint is still the signer's.
  cat root.pem leaf.pem > root-first.pem
  openssl x509 -in leaf.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' > leaf.sha1 || return 1
  openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile root.pem -passout "pass:$PASSWORD" -out signer.pfx || return 1
  openssl pkcs12 -export -legacy -inkey leaf.key -in leaf.pem -certfile root.pem -passout "pass:$PASSWORD" -out signer-legacy.pfx || return 1
  openssl pkcs12 -export -inkey noeku.key -in noeku.pem -certfile root.pem -passout "pass:$PASSWORD" -out noeku.pfx || return 1
  # An ECDSA P-256 key and certificate (Power BI needs RSA: pqx names what the file holds).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout ec.key \
    -out ec.pem -subj "/O=pqx test/CN=pqx FFI EC" 2>/dev/null || return 1
  openssl pkcs12 -export -inkey ec.key -in ec.pem -passout "pass:$PASSWORD" -out ec.pfx || return 1
  openssl x509 -in ec.pem -outform DER -out ec.der || return 1
  # A minimal connector: one section document.
  python3 - <<'PY' || return 1
import zipfile
with zipfile.ZipFile("connector.mez", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Connector.pq", '[Version = "1.0.0"]\nsection Connector;\n\n[DataSource.Kind = "Connector", Publish = "Connector.Publish"]\nshared Connector.Contents = () => "Hello from pqx";\n')
# The 2018 SDK's shape: an unsigned OPC package written by System.IO.Packaging.
with zipfile.ZipFile("opc-shaped.mez", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Connector.m", 'section Connector;\nshared Connector.Contents = () => 1;\n')
    z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="m" ContentType="application/x-ms-m" /></Types>')
PY
  cd "$ROOT"
}

# tamper SIGNED OUT: rewrites the ZIP with one byte of Connector.pq changed (sizes, names and
# order kept), as an attacker editing a signed connector would.
tamper() {
  python3 - "$1" "$2" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
changed = False
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename == "Connector.pq":
            data, changed = data.replace(b"Hello", b"Jello", 1), True
        zout.writestr(info, data, compress_type=info.compress_type)
sys.exit(0 if changed else "Connector.pq not found")
PY
}
