package assets

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// TestCallingShim runs the shim's own tests (calling.test.mjs) with node's test runner: the
// shim in a fresh page-like realm per test, a fake engine on a real MessageChannel.
func TestCallingShim(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		realpart.Missing(t, "node runs the calling shim's tests: apt-get install nodejs (scripts/deps.sh test)")
	}
	out, err := exec.Command(node, "--test", "--test-timeout=60000", "calling.test.mjs").CombinedOutput()
	require.NoError(t, err, "node --test calling.test.mjs:\n%s", out)
}
