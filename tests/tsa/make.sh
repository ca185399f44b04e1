#!/bin/sh
# make.sh DIR: a time-stamp authority for tests, made with openssl in DIR:
# a CA (ca.pem, ca.key), the authority's certificate signed by it (tsa.pem,
# tsa.key: extendedKeyUsage critical timeStamping, as RFC 3161 2.3 asks)
# and the configuration of `openssl ts -reply` (tsa.cnf, section tsa_config1,
# with its serial file). Also a second CA (other-ca.pem) that did not sign
# the authority, to show that a signer is checked against the CA given.
# Used by tests/tsa/tsa.py (the HTTP server), tests/e2e/0401-seal-tsa.sh and
# tests/unit/test_tsa.c. EC P-256: the keys take milliseconds to make.
set -eu
[ $# -eq 1 ] || { echo "usage: tests/tsa/make.sh DIR" >&2; exit 2; }
mkdir -p "$1"
cd "$1"
cat >certs.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = corrtest test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
umask 077
openssl req -config certs.cnf -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -days 30 -subj "/O=corrtest tests/CN=corrtest test TSA CA" \
	-extensions ca 2>openssl.err
openssl req -config certs.cnf -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout other-ca.key -out other-ca.pem -days 30 -subj "/CN=another CA" \
	-extensions ca 2>>openssl.err
openssl req -config certs.cnf -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-CA ca.pem -CAkey ca.key -keyout tsa.key -out tsa.pem -days 30 \
	-subj "/O=corrtest tests/CN=corrtest test TSA" -extensions tsa 2>>openssl.err
chmod 644 ca.pem other-ca.pem tsa.pem
rm -f openssl.err
echo 01 >serial
d=$(pwd)
# section NAME DIGESTS [MORE LINES]: one authority of tsa.cnf, the same
# keys and certificates, granting imprints of DIGESTS.
section() {
	printf '[%s]\nserial = %s/serial\ncrypto_device = builtin\nsigner_cert = %s/tsa.pem\n' "$1" "$d" "$d"
	printf 'certs = %s/ca.pem\nsigner_key = %s/tsa.key\nsigner_digest = sha256\n' "$d" "$d"
	printf 'default_policy = 1.2.3.4.1\ndigests = %s\ness_cert_id_alg = sha256\n%s' "$2" "${3:-}"
}
{
	printf '[tsa]\ndefault_tsa = tsa_config1\n'
	section tsa_config1 "sha256, sha384, sha512" "accuracy = secs:1
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
"
	# SHA-512 imprints only: it refuses corrtest's SHA-256 requests
	# (status rejection, badAlg).
	section tsa_reject "sha512"
	# SHA-1 and MD5 imprints too (as old authorities did): the time-stamps
	# it signs are valid, and verify must still refuse them.
	section tsa_weak "md5, sha1, sha256"
} >tsa.cnf
