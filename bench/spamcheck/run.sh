#!/usr/bin/env bash
# Scores a mailing message and an account mail, as Postrider sends them,
# with SpamAssassin: DKIM off, then signed with RSA-2048 and with Ed25519.
# Needs Debian's spamassassin, dnsmasq-base and openssl. SpamAssassin checks
# DKIM only with DNS, so a dnsmasq on 127.0.0.1 answers the key's TXT record
# (and nothing else: no upstream, so every blocklist lookup finds nothing).
#
#	bash bench/spamcheck/run.sh [out-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
port=15353
domain=acme.example.com


openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$out/ed25519.pem"

# the TXT records to publish (what an operator puts in DNS), each cut into
# strings of at most 255 characters
txt() {
	local rec
	if [ "$1" = ed25519 ]; then
		rec="v=DKIM1; k=ed25519; p=$(openssl pkey -in "$out/$1.pem" -pubout -outform DER | tail -c 32 | base64 -w0)"
	else
		rec="v=DKIM1; k=rsa; p=$(openssl pkey -in "$out/$1.pem" -pubout -outform DER | base64 -w0)"
	fi
	local parts=() i
	for ((i = 0; i < ${#rec}; i += 250)); do parts+=("\"${rec:i:250}\""); done
	(IFS=,; echo "${parts[*]}")
}

go run ./bench/spamcheck -out "$out/off" >/dev/null
for kind in rsa ed25519; do
	POSTRIDER_DKIM_DOMAIN=$domain POSTRIDER_DKIM_SELECTOR=$kind POSTRIDER_DKIM_KEY="$out/$kind.pem" \
		go run ./bench/spamcheck -out "$out/$kind" >/dev/null
done

dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=$port --listen-address=127.0.0.1 --bind-interfaces \
	--txt-record="rsa._domainkey.$domain,$(txt rsa)" --txt-record="ed25519._domainkey.$domain,$(txt ed25519)" \
	2>"$out/dnsmasq.log" &
dns=$!
trap 'kill $dns' EXIT
sleep 1

for kind in off rsa ed25519; do
	for msg in mailing account; do
		echo "== $msg, DKIM $kind ($out/$kind/$msg.eml)"
		spamassassin -t --cf="dns_server 127.0.0.1:$port" --cf='use_razor2 0' --cf='use_pyzor 0' --cf='use_dcc 0' \
			<"$out/$kind/$msg.eml" 2>/dev/null | sed -n '/^Content analysis details/,$p'
	done
done
