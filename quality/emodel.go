package quality

import (
	"math"
	"strings"
)

// R0 is the E-model's transmission rating with every parameter at its
// default value and no delay or equipment impairment: Ro − Is + A of
// ITU-T G.107 with its default values (Ro = 94.77, Is = 1.41, A = 0),
// less the 0.15 of delay impairment those defaults imply. It is the R of
// a perfect narrowband connection; MOS(R0) ≈ 4.41.
const R0 = 93.2

// Codec is what the E-model needs to know about a codec: its equipment
// impairment factor Ie and its packet-loss robustness factor Bpl, both as
// tabulated in ITU-T G.113 Appendix I (planning values for the
// narrowband E-model).
type Codec struct {
	Name string
	Ie   float64 // equipment impairment without loss
	Bpl  float64 // packet-loss robustness; larger is more robust
}

// Codec values from ITU-T G.113 Appendix I for random packet loss: G.711
// has Ie = 0 (Table I.1), and Bpl = 4.3 without packet-loss concealment
// and 25.1 with the concealment of G.711 Appendix I (Table I.3).
var (
	// G711 is G.711 (PCMU or PCMA) played out without packet-loss
	// concealment: a lost packet is silence.
	G711 = Codec{Name: "G.711", Ie: 0, Bpl: 4.3}

	// G711PLC is G.711 with packet-loss concealment. Browsers conceal
	// lost packets of every codec in their jitter buffer, so this is the
	// value for G.711 on the WebRTC path.
	G711PLC = Codec{Name: "G.711 with PLC", Ie: 0, Bpl: 25.1}

	// Opus has no entry in G.113 Appendix I, whose tables cover the
	// narrowband E-model and older codecs. kazoo treats it as G.711 with
	// PLC: at the bitrates WebRTC uses (32 kb/s and more) Opus is at
	// least as good as G.711 without loss, so Ie = 0; and it has built-in
	// concealment (plus in-band FEC when the peer asks for it), so its
	// robustness is at least that of G.711 with PLC. The estimate is thus
	// cautious about loss, and a narrowband one: the E-model of G.107
	// tops out at R0 whatever the codec's bandwidth.
	Opus = Codec{Name: "Opus", Ie: 0, Bpl: 25.1}
)

// CodecFor returns the Codec for an RTP codec name or a WebRTC codec
// mimeType ("audio/opus", "PCMU", "audio/PCMA"; case does not matter).
// G.711 is taken as concealed (G711PLC), as in a browser. For a codec it
// does not know it returns G711PLC and false.
func CodecFor(name string) (Codec, bool) {
	n := strings.TrimPrefix(strings.ToLower(name), "audio/")
	switch n {
	case "opus":
		return Opus, true
	case "pcmu", "pcma", "g711", "g.711":
		return G711PLC, true
	}
	return G711PLC, false
}

// Conditions are the measured network conditions of one direction of a
// call, the inputs of RFactor.
type Conditions struct {
	// RTTMs is the round-trip time in milliseconds (RTCP or ICE).
	RTTMs float64
	// JitterMs is the interarrival jitter in milliseconds (RFC 3550).
	JitterMs float64
	// Loss is the fraction of packets lost, 0..1 (not percent).
	Loss float64
	// BurstR is G.107's burst ratio: 1 for random loss, more when losses
	// come in bursts. 0 means 1.
	BurstR float64
	// Codec is the codec in use; the zero Codec means G711PLC.
	Codec Codec
}

// EffectiveLatency is d, the delay the E-model charges for, in
// milliseconds: rtt + 2·jitter + 10 ms. It stands for the one-way
// mouth-to-ear delay (G.107's Ta), which a browser cannot measure. The
// formula is not part of G.107; it is the common VoIP-monitoring
// heuristic that kazoo's issue fixes: the jitter buffer holds about twice
// the jitter, and 10 ms stands for codec and packetisation delay. It
// charges the whole round trip as if it were one way, which overstates
// the delay of a symmetric path by rtt/2 and so errs on the cautious
// side; on a LAN that difference changes R by less than 0.1.
func EffectiveLatency(rttMs, jitterMs float64) float64 {
	return rttMs + 2*jitterMs + 10
}

// DelayImpairment is Id for an effective one-way delay d in milliseconds:
//
//	Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)
//
// with H the Heaviside step (0 below 177.3 ms, 1 from there). This is the
// simplification of G.107's delay impairment (the clause "Delay
// impairment factor, Id", for an echo-free connection with the default
// talker echo loss) by R. G. Cole and J. H. Rosenbluth, "Voice over IP
// performance monitoring", ACM SIGCOMM Computer Communication Review
// 31(2), April 2001. Below 0 the delay is taken as 0.
func DelayImpairment(d float64) float64 {
	if d < 0 {
		d = 0
	}
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	return id
}

// EquipmentImpairment is G.107's effective equipment impairment factor
// (the clause "Effective equipment impairment factor, Ie,eff": §7.5 of
// G.107 (06/2015), §3.5 of the 03/2005 edition):
//
//	Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl)
//
// with Ppl the packet-loss probability in percent (here 100·loss, loss
// clamped to 0..1), BurstR the burst ratio (1 for random loss; values
// below 1 are taken as 1) and Ie, Bpl the codec's factors.
func EquipmentImpairment(c Codec, loss, burstR float64) float64 {
	if c.Bpl <= 0 {
		c = G711PLC
	}
	if burstR < 1 || math.IsNaN(burstR) {
		burstR = 1
	}
	ppl := 100 * clamp(loss, 0, 1)
	return c.Ie + (95-c.Ie)*ppl/(ppl/burstR+c.Bpl)
}

// RFactor is the E-model's transmission rating R for the conditions:
//
//	R = R0 − Id − Ie,eff
//
// the rating equation of G.107 ("Calculation of the transmission rating
// factor, R") with Ro, Is and A at their defaults (folded into R0),
// Id = DelayImpairment(EffectiveLatency(rtt, jitter)) and
// Ie,eff = EquipmentImpairment(codec, loss, BurstR). Negative rtt and
// jitter count as 0. If RTTMs, JitterMs or Loss is NaN (not measured) R
// is NaN. R is not clamped; MOS clamps.
func RFactor(in Conditions) float64 {
	if math.IsNaN(in.RTTMs) || math.IsNaN(in.JitterMs) || math.IsNaN(in.Loss) {
		return math.NaN()
	}
	d := EffectiveLatency(math.Max(in.RTTMs, 0), math.Max(in.JitterMs, 0))
	return R0 - DelayImpairment(d) - EquipmentImpairment(in.Codec, in.Loss, in.BurstR)
}

// MOS is the estimated mean opinion score (MOS-CQE, 1..4.5) for a rating
// R, by G.107 Annex B:
//
//	MOS = 1                                          for R < 0
//	MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶  for 0 ≤ R ≤ 100
//	MOS = 4.5                                        for R > 100
//
// For 0 < R < 6.51 the polynomial dips slightly below 1 (to 0.989 near
// R = 3.2), so the result is clamped at 1: MOS is then never below 1 and
// never rises as R falls. MOS(NaN) is NaN.
func MOS(r float64) float64 {
	switch {
	case math.IsNaN(r):
		return r
	case r < 0:
		return 1
	case r > 100:
		return 4.5
	}
	return math.Max(1, 1+0.035*r+r*(r-60)*(100-r)*7e-6)
}

// Estimate is MOS(RFactor(in)).
func Estimate(in Conditions) float64 { return MOS(RFactor(in)) }

// The quality bands of Band, best first.
const (
	BandExcellent = "excellent"
	BandGreat     = "great"
	BandGood      = "good"
	BandFair      = "fair"
	BandDegraded  = "degraded"
)

// Band names the quality band of a MOS, as kazoo's issue 12 gives them:
// above 4.2 "excellent", 4.1–4.2 "great", 3.7–4.0 "good", 3.1–3.6
// "fair", else "degraded". The ranges leave gaps (4.0–4.1 and
// 3.6–3.7); each gap belongs to the band below the next boundary:
//
//	MOS > 4.2        excellent
//	4.1 ≤ MOS ≤ 4.2  great
//	3.7 ≤ MOS < 4.1  good
//	3.1 ≤ MOS < 3.7  fair
//	MOS < 3.1        degraded
//
// With R0 = 93.2 the best MOS is 4.41, so "excellent" needs R above about
// 85: without loss, rtt + 2·jitter below about 195 ms. Band of
// NaN (no measurement) is "".
func Band(mos float64) string {
	switch {
	case math.IsNaN(mos):
		return ""
	case mos > 4.2:
		return BandExcellent
	case mos >= 4.1:
		return BandGreat
	case mos >= 3.7:
		return BandGood
	case mos >= 3.1:
		return BandFair
	}
	return BandDegraded
}

func clamp(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return math.Max(lo, math.Min(hi, v))
}
