#!/bin/bash
# Issue 11, item 6: the CRL is checked for the whole client chain, not only
# the leaf.  A three-level chain (root CA, intermediate CA, client): the
# client presents its certificate and the intermediate, TLSClientCA holds
# the root, TLSClientCRL a CRL of each CA.  Accepted while nothing is
# revoked; once the root revokes the intermediate, refused 401 and audited
# "mtls: certificate revoked", although the leaf itself is not revoked
# (before the fix only the leaf was checked, and the call went through).
# A CA of the chain without a CRL in the file refuses the chain as well.
. "$(dirname "$0")/lib.sh"
setup_http
tls_material
tls_ca root
tls_ca inter
# The intermediate, issued by the root (tls_ca made it self-signed).
cat >> "$OBJ/root.db.d/ca.cnf" <<'CNF' || fail "subca section"
[ subca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
CNF
openssl req -new -key "$OBJ/inter.key" -subj "/CN=mcpd regress inter" \
    -out "$OBJ/inter.csr" 2>/dev/null || fail "intermediate request"
openssl ca -batch -config "$OBJ/root.db.d/ca.cnf" -extensions subca \
    -in "$OBJ/inter.csr" -out "$OBJ/inter.crt" -notext >/dev/null 2>&1 ||
    fail "intermediate certificate"
tls_issue inter leaf ec client dev "email:dev@example.com"
cat "$OBJ/leaf.crt" "$OBJ/inter.crt" > "$OBJ/leaf-chain.crt" || fail "chain"
crls() {	# the CRL file: one CRL per CA
	local ca
	for ca in root inter; do
		openssl ca -batch -config "$OBJ/$ca.db.d/ca.cnf" -gencrl \
		    -out "$OBJ/$ca.crl" >/dev/null 2>&1 || fail "gencrl $ca"
	done
	cat "$OBJ/root.crl" "$OBJ/inter.crl" > "$OBJ/chain.crl" || fail "crls"
	chmod 644 "$OBJ"/*.crt "$OBJ"/*.crl
}
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
conf() {	# CRL file
	cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
	http_conf "AuthMode mtls" "TLSCertificate $OBJ/server.crt" \
	    "TLSKey $OBJ/server.key" "TLSClientCA $OBJ/root.crt" \
	    "TLSClientCRL $1" "MTLSIdentity san-email" \
	    "AuthFailureLimit 100000/min"
}
call() {	# id
	http_modern "$1" tools/call '{"name":"list_tables","arguments":{}}' \
	    --cert "$OBJ/leaf-chain.crt" --key "$OBJ/leaf.key"
}
last() {
	tail -n 1 "$OBJ/audit.log" | jq -c "$1"
}

crls
conf "$OBJ/chain.crl"
start_http
call 1
expect_status "nothing revoked" 200
expect_eq "nothing revoked: result" "$(http_body '.result.isError')" false
stop_http

# Only the intermediate's CRL: the root's is missing, so the intermediate's
# status is unknown and the chain refused.
conf "$OBJ/inter.crl"
start_http
call 2
expect_status "no CRL of the root" 401
expect_eq "no CRL of the root: reason" "$(last .reason)" \
    '"mtls: unable to get certificate CRL"'
stop_http
conf "$OBJ/chain.crl"

openssl ca -batch -config "$OBJ/root.db.d/ca.cnf" -revoke "$OBJ/inter.crt" \
    >/dev/null 2>&1 || fail "revoke the intermediate"
crls
start_http
call 3
expect_status "revoked intermediate" 401
expect_eq "revoked intermediate: audited" \
    "$(last '[.event, .decision, .user, .reason]')" \
    '["authenticate","AUTH_FAILED",null,"mtls: certificate revoked"]'
stop_http

audit_verify
exit 0
