package reliability

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

// TestConfigWrittenWhileStarting: the config file is being written, in pieces, while the app
// starts (an installer or an editor saving it). A file that is finished, however slowly
// (here past the 1 s the app once gave up after), is started with: the widget gets the
// service of the finished file. A file that stays cut short is an error naming the file,
// not a start.
func TestConfigWrittenWhileStarting(t *testing.T) {
	apptest.RequireSession(t)
	tests := []struct {
		name     string
		pieces   int
		gap      time.Duration // between pieces
		complete bool          // the writer finishes the file
	}{
		{"four pieces, 50 ms apart", 4, 50 * time.Millisecond, true},
		{"ten pieces, 150 ms apart", 10, 150 * time.Millisecond, true},
		{"six pieces, 400 ms apart", 6, 400 * time.Millisecond, true},
		{"cut short and left so", 3, 100 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := timeout(t, 60*time.Second)
			w := standin.Start(t)
			cfg := apptest.NewConfig(w, serviceName(t))
			whole, err := json.MarshalIndent(cfg, "", "  ")
			require.NoError(t, err)
			env := apptest.NewEnv(t)
			path := filepath.Join(env.Root, "slow-config.json")
			f, err := os.Create(path)
			require.NoError(t, err)
			defer f.Close()

			size := len(whole) / tt.pieces
			_, err = f.Write(whole[:size]) // the app starts on a first piece
			require.NoError(t, err)
			a := apptest.LaunchEnv(t, env, cfg, "--config", path) // the later --config wins
			written := make(chan error, 1)
			go func() {
				end := len(whole)
				if !tt.complete {
					end = len(whole) * 2 / 3
				}
				for off := size; off < end; off += size {
					time.Sleep(tt.gap) // the slow writer being simulated
					if _, err := f.Write(whole[off:min(off+size, end)]); err != nil {
						written <- err
						return
					}
				}
				written <- nil
			}()

			select {
			case <-a.Done():
				code, _ := a.Wait(ctx)
				require.False(t, tt.complete, "the app gave up on a file that was being finished:\n%s", a.Log())
				assert.NotZero(t, code, "an exit is an error exit")
				assert.Contains(t, a.Log(), "config "+path, "the error names the file:\n%s", a.Log())
				t.Logf("exited with %d: %s", code, lineWith(a.Log(), "config "))
			case r := <-registered(ctx, w):
				require.True(t, tt.complete, "the app started on a file that was never finished:\n%s", a.Log())
				var svc struct {
					Name, DisplayName, Info, AuthorizedTitle string
				}
				require.True(t, r.Field("service", &svc))
				assert.Equal(t, cfg.Service.Name, svc.Name)
				assert.Equal(t, cfg.Service.Info, svc.Info, "the last fields of the file are there")
				assert.Equal(t, cfg.Service.AuthorizedTitle, svc.AuthorizedTitle)
			case <-ctx.Done():
				t.Fatalf("neither started nor exited:\n%s", a.Log())
			}
			require.NoError(t, <-written)
		})
	}
}

// registered delivers the widget's first registration.
func registered(ctx context.Context, w *standin.Widget) <-chan standin.Report {
	ch := make(chan standin.Report, 1)
	go func() {
		if r, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeRegisterService)); err == nil {
			ch <- r
		}
	}()
	return ch
}
