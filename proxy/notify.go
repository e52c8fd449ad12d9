package proxy

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// Notification is an unsolicited NOTIFY the server sends to a user's
// devices, as Kazoo does for voicemail (RFC 3842 message-summary).
type Notification struct {
	Event       string // e.g. message-summary
	ContentType string // e.g. application/simple-message-summary
	Body        []byte
	From        string // the user part of the sender, e.g. *97
}

// Notify sends n to the given bindings, or to every binding of user
// when bindings is nil. It returns how many devices answered 2xx.
func (p *Proxy) Notify(user string, n Notification, bindings []registrar.Binding) int {
	if bindings == nil {
		bindings = p.loc.Lookup(user + "@" + p.cfg.Domain)
	}
	ok := 0
	for _, b := range bindings {
		if p.notifyOne(user, n, b) {
			ok++
		}
	}
	return ok
}

func (p *Proxy) notifyOne(user string, n Notification, b registrar.Binding) bool {
	req := sip.NewRequest(sip.NOTIFY, *b.Contact.Clone())
	fromUser := n.From
	if fromUser == "" {
		fromUser = "kazoo-dev"
	}
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: fromUser, Host: p.cfg.Domain}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: p.cfg.Domain}, Params: sip.NewParams()})
	callID := sip.CallIDHeader(sip.GenerateTagN(24))
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.NOTIFY})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	req.AppendHeader(&sip.ContactHeader{Address: p.selfURI(b.Flow.Transport)})
	req.AppendHeader(sip.NewHeader("Event", n.Event))
	req.AppendHeader(sip.NewHeader("Subscription-State", "active"))
	req.AppendHeader(sip.NewHeader("User-Agent", p.cfg.UserAgent))
	if n.ContentType != "" {
		req.AppendHeader(sip.NewHeader("Content-Type", n.ContentType))
	}
	req.SetBody(n.Body)
	p.addVia(req, b.Flow)
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	tx, err := p.cli.TransactionRequest(ctx, req, asIs)
	if err != nil {
		p.log.Debug("cannot send NOTIFY", "to", b.AOR, "err", err)
		return false
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			return res.IsSuccess()
		case <-tx.Done():
			return false
		case <-ctx.Done():
			return false
		}
	}
}
