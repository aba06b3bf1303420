#!/usr/bin/env bash
# The demo: builds the provider, starts the local Partner Center sandbox, applies
# examples/quickstart with the real Terraform 1.15.5, changes a qualification behind
# Terraform's back, and shows the drift in `terraform plan`. Everything it writes stays in
# .work/demo (ignored by git); the sandbox is stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DEMO=$ROOT/.work/demo
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
ADDRESS=registry.terraform.io/partnercenter-oss/partnercenter

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "1/8 Building the provider and the sandbox (cargo build)"
cargo build --locked --workspace --bins
TERRAFORM=$(scripts/install-terraform.sh | tail -n 2 | head -n 1)
echo "Terraform: $TERRAFORM"

rm -rf "$DEMO"
mkdir -p "$DEMO/mirror/$ADDRESS/$VERSION/linux_amd64" "$DEMO/workspace"

step "2/8 Starting the Partner Center sandbox on 127.0.0.1"
target/debug/partnercenter-sandbox --listen 127.0.0.1:0 --state "$DEMO/sandbox-state.json" \
    >"$DEMO/sandbox.out" 2>"$DEMO/sandbox.log" &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null; wait "$SANDBOX_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$DEMO/sandbox.out")
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "${URL:-}" ] || { echo "demo: the sandbox did not start; see $DEMO/sandbox.log" >&2; exit 1; }
echo "Sandbox: $URL (a local server speaking the Partner Center API, seeded with demo customers)"

step "3/8 Pointing Terraform at this build (a filesystem mirror in a CLI config file)"
ln -s "$ROOT/target/debug/terraform-provider-partnercenter" \
    "$DEMO/mirror/$ADDRESS/$VERSION/linux_amd64/terraform-provider-partnercenter_v$VERSION"
cat >"$DEMO/terraformrc" <<CONFIG
provider_installation {
  filesystem_mirror {
    path    = "$DEMO/mirror"
    include = ["$ADDRESS"]
  }
  direct {
    exclude = ["$ADDRESS"]
  }
}
CONFIG
cat "$DEMO/terraformrc"
cp examples/quickstart/main.tf "$DEMO/workspace/"
export TF_CLI_CONFIG_FILE=$DEMO/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# The sandbox's demo app registration (App+User, as a real partner would configure it).
export PARTNERCENTER_BASE_URL=$URL PARTNERCENTER_AUTHORITY_URL=$URL
export PARTNERCENTER_TENANT_ID=5a1d8e3c-0b7f-4c2e-9a6d-1e2f3a4b5c6d
export PARTNERCENTER_CLIENT_ID=9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e
export PARTNERCENTER_CLIENT_SECRET=sandbox-client-secret
export PARTNERCENTER_REFRESH_TOKEN=sandbox-refresh-token
unset TF_LOG TF_LOG_PROVIDER
cd "$DEMO/workspace"

step "4/8 terraform init"
"$TERRAFORM" init -input=false -no-color

step "5/8 terraform apply (one PUT per qualification)"
"$TERRAFORM" apply -input=false -no-color -auto-approve

step "6/8 Someone changes the school's qualification in Partner Center, outside Terraform"
# The sandbox's admin route plays the colleague who clicked in the Partner Center portal; its
# activity log records who that was, as Partner Center's does.
# (Python, which the Terraform install needs anyway, makes the call: curl may be missing.)
python3 - "$URL/admin/customers/0c39d6d5-c70d-4c55-bc02-f620844f3fd1/qualification" <<'PY'
import sys, urllib.request
change = b'{"qualification":"Nonprofit","userPrincipalName":"bob@contosopartner.onmicrosoft.com",' \
         b'"applicationId":"Partner Center portal"}'
request = urllib.request.Request(sys.argv[1], data=change,
                                 headers={"Content-Type": "application/json"}, method="POST")
print(urllib.request.urlopen(request).read().decode())
PY

step "7/8 terraform plan -refresh-only: what changed outside Terraform"
"$TERRAFORM" plan -input=false -no-color -refresh-only

step "8/8 terraform plan: what Terraform would do about it"
set +e
"$TERRAFORM" plan -input=false -no-color -detailed-exitcode
code=$?
set -e
if [ "$code" -ne 2 ]; then
    echo "demo: expected terraform plan to report the drift (exit 2), got $code" >&2
    exit 1
fi
cat <<'EXPLAIN'

What you just saw: each plan refreshed every qualification with one GET to Partner Center.
The refresh-only plan reported that the school is now "Nonprofit" although Terraform last
set it to "Education": a change made outside of Terraform. Its warning named who made it and
when, from Partner Center's activity log (one more request, made only because something
drifted). The normal plan then proposed one in-place update to put "Education" back, since
that is what the configuration declares.
Nothing was changed by either plan; `terraform apply` would restore it with one PUT.
The sandbox is stopped now; its state and the Terraform workspace are in .work/demo.
EXPLAIN
