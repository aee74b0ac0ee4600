# Sourced by start.sh --node: one throw-away CA for the node-mode cluster, signing the API server's
# serving certificate, the kubelet's serving certificate and the API server's kubelet client
# certificate. Pods trust it through kube-root-ca.crt; the agent verifies the kubelet with it.
#   make_pki <dir> <node-ip>
make_pki() {
  local P=$1 NODE_IP=$2
  mkdir -p "$P"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -days 30 \
    -subj "/CN=kubewise-e2e-ca" 2>/dev/null
  # sign <name> <subject> <extensions>
  sign() {
    openssl req -newkey rsa:2048 -nodes -keyout "$P/$1.key" -out "$P/$1.csr" -subj "$2" 2>/dev/null
    printf '%s\n' "$3" > "$P/$1.ext"
    openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial \
      -out "$P/$1.crt" -days 30 -extfile "$P/$1.ext" 2>/dev/null
    rm -f "$P/$1.csr" "$P/$1.ext"
  }
  sign apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,IP:$NODE_IP,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
  sign kubelet "/CN=kw-node" "subjectAltName=IP:$NODE_IP,IP:127.0.0.1,DNS:kw-node
extendedKeyUsage=serverAuth"
  sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" \
    "extendedKeyUsage=clientAuth"
}
