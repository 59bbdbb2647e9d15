#!/bin/sh
# A self-signed certificate for trying https:// and wss:// on this machine:
#   scripts/dev-cert.sh [DIR]     (default: build/dev-cert)
# writes DIR/cert.pem and DIR/key.pem (an ECDSA P-256 key, valid 30 days, for
# localhost and 127.0.0.1), then:
#   build/wirechat --tls-cert DIR/cert.pem --tls-key DIR/key.pem
# Browsers warn about a self-signed certificate; accept it once, or trust it
# (curl --cacert DIR/cert.pem, wirechat-cli --cacert DIR/cert.pem). Never
# use it for anything but development.
set -eu
dir=${1:-build/dev-cert}
mkdir -p "$dir"
umask 077  # the key is readable by its owner only
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -days 30 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
chmod 644 "$dir/cert.pem"
echo "$dir/cert.pem and $dir/key.pem (localhost, 127.0.0.1; 30 days)"
