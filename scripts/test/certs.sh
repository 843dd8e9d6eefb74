#!/usr/bin/env bash
# certs.sh DIR: a CA, a server certificate for 127.0.0.1 and localhost, a client certificate,
# and a client certificate from another CA (which the daemon must refuse), for the TLS tests.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
[ -s ca.pem ] && [ -s wrong/cert.pem ] && exit 0
quiet() { "$@" >/dev/null 2>&1; }
make_ca() {  # make_ca PREFIX
  quiet openssl genrsa -out "$1-key.pem" 2048
  quiet openssl req -x509 -new -key "$1-key.pem" -days 30 -subj "/CN=sandbox test $(basename "$1")" -out "$1.pem"
}
sign() {  # sign CA NAME EXTFILE
  quiet openssl genrsa -out "$2-key.pem" 2048
  quiet openssl req -new -key "$2-key.pem" -subj "/CN=$(basename "$2")" -out "$2.csr"
  quiet openssl x509 -req -in "$2.csr" -CA "$1.pem" -CAkey "$1-key.pem" -CAcreateserial -days 30 -extfile "$3" -out "$2.pem"
  rm -f "$2.csr"
}
make_ca ca
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
sign ca server server.ext
sign ca client client.ext
mv client.pem cert.pem && mv client-key.pem key.pem
mkdir -p wrong
make_ca wrong/ca
sign wrong/ca wrong/client client.ext
mv wrong/client.pem wrong/cert.pem && mv wrong/client-key.pem wrong/key.pem && cp ca.pem wrong/ca.pem
chmod 600 ./*key.pem wrong/*key.pem
