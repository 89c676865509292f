// A minimal Matrix bot on mautrix-go for bench/peers/compare.py (issue 15): it answers "ps"
// with one GET /api/containers on the WAGMIOS simulator and a short list as a reply.
// Bench-only; configured from the PEER_* environment the driver sets (bench/README.md, "Peers").
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

type container struct {
	Name   string `json:"name"`
	Image  string `json:"image"`
	Status string `json:"status"`
}

type listing struct {
	Success bool        `json:"success"`
	Data    []container `json:"data"`
}

// psText makes the one WAGMIOS call and renders the reply every peer sends.
func psText(ctx context.Context, hc *http.Client, base, key string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/containers", nil)
	if err != nil {
		return "error: " + err.Error()
	}
	req.Header.Set("X-API-Key", key)
	resp, err := hc.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	var l listing
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || !l.Success {
		return fmt.Sprintf("error: HTTP %d", resp.StatusCode)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d containers on nas:", len(l.Data))
	for _, c := range l.Data {
		fmt.Fprintf(&b, "\n%s — %s (%s)", c.Name, c.Status, c.Image)
	}
	return b.String()
}

func main() {
	env := func(k string) string {
		v := os.Getenv(k)
		if v == "" {
			fmt.Fprintf(os.Stderr, "missing %s\n", k)
			os.Exit(2)
		}
		return v
	}
	me := id.UserID(env("PEER_MATRIX_USER"))
	client, err := mautrix.NewClient(env("PEER_MATRIX_HOMESERVER"), me, env("PEER_MATRIX_TOKEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	base, key := env("PEER_WAGMIOS_URL"), env("PEER_WAGMIOS_KEY")
	hc := &http.Client{}

	syncer := client.Syncer.(*mautrix.DefaultSyncer)
	// Commands sent before the start (the first sync's backlog) are not answered; invitations
	// are accepted whenever they are seen.
	started := time.Now().UnixMilli()
	syncer.OnEventType(event.StateMember, func(ctx context.Context, evt *event.Event) {
		if evt.GetStateKey() == me.String() && evt.Content.AsMember().Membership == event.MembershipInvite {
			_, _ = client.JoinRoomByID(ctx, evt.RoomID)
		}
	})
	syncer.OnEventType(event.EventMessage, func(ctx context.Context, evt *event.Event) {
		if evt.Sender == me || evt.Timestamp < started || strings.TrimSpace(evt.Content.AsMessage().Body) != "ps" {
			return
		}
		content := event.MessageEventContent{
			MsgType:   event.MsgNotice,
			Body:      psText(ctx, hc, base, key),
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: evt.ID}},
		}
		if _, err := client.SendMessageEvent(ctx, evt.RoomID, event.EventMessage, &content); err != nil {
			fmt.Fprintln(os.Stderr, "send:", err)
		}
	})

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := client.SyncWithContext(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
}
