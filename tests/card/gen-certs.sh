#!/usr/bin/env bash
# Generate the test certificates with the openssl command, at test time,
# into the directory given (the build tree). A test CA (RSA 2048, a UTF-8
# name) signs an auth, a sign and an "edge" certificate whose validity
# exercises the UTC -> Japan time conversion:
#   auth   notBefore 2024-05-01T15:28:06Z (= 2024-05-02 00:28:06 JST)
#          notAfter  2029-05-02T14:59:59Z (= 2029-05-02 23:59:59 JST)
#   sign   notBefore 2024-05-01T15:29:00Z, notAfter 2029-05-02T14:59:59Z
#   edge   notBefore 2023-12-31T15:00:00Z (= 2024-01-01 00:00 JST, next year)
#          notAfter  2028-02-28T15:00:00Z (= 2028-02-29 00:00 JST, leap day)
# The real J-LIS CA certificates (tests/vcard/certs/*.pem) are converted to
# DER beside them.
set -euo pipefail
out=${1:?usage: gen-certs.sh OUTDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
command -v openssl >/dev/null || { echo "gen-certs.sh: the openssl command is missing" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d "$out/.ca.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"
: >"$work/index.txt"
echo 0123ABCD >"$work/serial"

cat >"$work/ca.cnf" <<EOF
[ req ]
distinguished_name = dn
string_mask = utf8only
[ dn ]
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca ]
default_ca = testca
[ testca ]
dir = $work
database = $work/index.txt
new_certs_dir = $work/new
serial = $work/serial
default_md = sha256
policy = pol
unique_subject = no
copy_extensions = none
x509_extensions = usr_ext
[ pol ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ usr_ext ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
authorityKeyIdentifier = keyid
EOF

q() { "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; }

q openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
  -config "$work/ca.cnf" -extensions ca_ext -utf8 -days 7300 -set_serial 1 \
  -subj "/C=JP/O=kigen test/CN=kigen テスト認証局"

issue() { # name subject start end
  q openssl req -new -newkey rsa:2048 -nodes -keyout "$work/$1.key" -out "$work/$1.csr" \
    -config "$work/ca.cnf" -utf8 -subj "$2"
  q openssl ca -batch -config "$work/ca.cnf" -cert "$work/ca.pem" -keyfile "$work/ca.key" \
    -in "$work/$1.csr" -out "$work/$1.pem" -startdate "$3" -enddate "$4" -notext -preserveDN -utf8
  q openssl x509 -in "$work/$1.pem" -outform DER -out "$out/$1.der"
}

issue auth "/C=JP/CN=KIGEN-TEST-AUTH-0001" 20240501152806Z 20290502145959Z
issue sign "/C=JP/L=東京都/L=練馬区/CN=KIGEN-TEST-SIGN-0001" 20240501152900Z 20290502145959Z
issue edge "/C=JP/CN=KIGEN-TEST-EDGE" 20231231150000Z 20280228150000Z
q openssl x509 -in "$work/ca.pem" -outform DER -out "$out/testca.der"
for f in jpki-auth-ca-2023 jpki-sign-ca-2023; do
  q openssl x509 -in "$src/vcard/certs/$f.pem" -outform DER -out "$out/$f.der"
done
echo "gen-certs.sh: wrote auth.der sign.der edge.der testca.der jpki-*-ca-2023.der to $out"
