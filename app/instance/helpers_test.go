package instance

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// runtimeDir points XDG_RUNTIME_DIR at a fresh directory. Unix socket paths
// are short, so it avoids t.TempDir's long names.
func runtimeDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "inst")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(d) })
	t.Setenv("XDG_RUNTIME_DIR", d)
	return d
}

func next(t *testing.T, p *Primary) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case args, ok := <-p.Requests():
		require.True(t, ok, "Requests closed")
		return args
	case <-ctx.Done():
		t.Fatal("no request arrived")
		return nil
	}
}
