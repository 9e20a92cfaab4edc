package assets

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// TestCallingShim runs the shim's own tests (calling.test.mjs) with node's test runner: the
// shim in a fresh page-like realm per test, a fake engine on a real MessageChannel, and the
// real sip.js 0.13.5 from e2e/webphone's npm packages driving it.
func TestCallingShim(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		realpart.Missing(t, "node runs the calling shim's tests: apt-get install nodejs (scripts/deps.sh test)")
	}
	cmd := exec.Command(node, "--test", "--test-timeout=60000", "calling.test.mjs")
	sipjs, err := filepath.Abs("../e2e/webphone/node_modules/sip.js/dist/sip-0.13.5.js")
	require.NoError(t, err)
	_, missing := os.Stat(sipjs)
	if missing == nil {
		cmd.Env = append(os.Environ(), "SIPJS="+sipjs)
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "node --test calling.test.mjs:\n%s", out)
	if missing != nil {
		realpart.Missing(t, "sip.js 0.13.5 from npm: run `npm ci` in e2e/webphone (scripts/deps.sh test does); the shim's other tests passed")
	}
}
