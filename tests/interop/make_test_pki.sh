#!/bin/sh
# Makes a throw-away TEST PKI with the openssl CLI: root CA -> intermediate CA -> leaf
# (RSA 2048, code-signing EKU). Test material only; the password is "test-password".
#   make_test_pki.sh OUTDIR
# Writes: key.pem (leaf key, PKCS#8, unencrypted), cert.pem (leaf), chain.pem
# (intermediate + root), root.pem, intermediate.pem, leaf.pfx (openssl 3 default, AES),
# leaf-legacy.pfx (-legacy: RC2/3DES), plus the CA keys (ca-*.key).
set -eu
OUT=${1:?usage: make_test_pki.sh OUTDIR}
mkdir -p "$OUT"
cd "$OUT"
PW=test-password
SUBJ_BASE="/C=US/O=pqx interop TEST ONLY"
DAYS=3650

cat > ext.cnf <<'CNF'
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

q() { "$@" >/dev/null 2>&1 || { echo "make_test_pki: failed: $*" >&2; "$@"; exit 1; }; }

# root
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-root.key
q openssl req -new -x509 -key ca-root.key -subj "$SUBJ_BASE/CN=pqx Test Root CA" -days $DAYS \
    -sha256 -set_serial 0x$(openssl rand -hex 8) -extensions root -config ext.cnf -out root.pem
# intermediate
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-inter.key
q openssl req -new -key ca-inter.key -subj "$SUBJ_BASE/CN=pqx Test Intermediate CA" -out inter.csr
q openssl x509 -req -in inter.csr -CA root.pem -CAkey ca-root.key -days $DAYS -sha256 \
    -set_serial 0x$(openssl rand -hex 8) -extfile ext.cnf -extensions inter -out intermediate.pem
# leaf: serial with the top bit set, so its DER encoding has a leading 00 byte
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem
q openssl req -new -key key.pem -subj "$SUBJ_BASE/OU=Connectors/CN=pqx Test Code Signing" -out leaf.csr
q openssl x509 -req -in leaf.csr -CA intermediate.pem -CAkey ca-inter.key -days 825 -sha256 \
    -set_serial 0x9$(openssl rand -hex 9 | cut -c2-) -extfile ext.cnf -extensions leaf -out cert.pem
cat intermediate.pem root.pem > chain.pem
q openssl verify -CAfile root.pem -untrusted intermediate.pem -purpose any cert.pem
q openssl pkcs12 -export -inkey key.pem -in cert.pem -certfile chain.pem -name "pqx test leaf" \
    -passout pass:$PW -out leaf.pfx
q openssl pkcs12 -export -legacy -inkey key.pem -in cert.pem -certfile chain.pem -name "pqx test leaf" \
    -passout pass:$PW -out leaf-legacy.pfx
rm -f inter.csr leaf.csr ext.cnf
