// Server fallback: a decoder the browser cannot run (not a plain MLP, or too large) is decoded by Python.
// Hover positions go to the server at most once per hover_interval_ms, with one request in flight.

export class ServerHover {
  constructor(send) {
    this.send = send;         // (payload) => component trigger "hover"
    this.wanted = null;       // the newest z the mouse asked for
    this.inFlight = 0;        // when the request in flight was sent (0: none)
    this.lastSent = 0;
    this.timer = 0;
    this.hseq = 0;            // requests sent
    this.lastHseq = null;     // the answer shown last
    this.received = 0;        // answers shown
  }
  request(z, intervalMs) {
    const now = performance.now();
    this.wanted = Array.from(z);
    if (this.inFlight && now - this.inFlight < 2000) return;
    if (this.lastSent && now - this.lastSent < intervalMs) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.request(this.wanted, intervalMs), intervalMs - (now - this.lastSent));
      return;
    }
    this.lastSent = now;
    this.inFlight = now;
    this.hseq += 1;
    this.send({ z: this.wanted, hseq: this.hseq });
  }
  // The server's answer {hseq, z, x (base64 float32), ms}, or null when it was shown already.
  accept(h) {
    if (!h || h.hseq === this.lastHseq) return null;
    this.lastHseq = h.hseq;
    this.received += 1;
    this.inFlight = 0;
    return h;
  }
  destroy() { clearTimeout(this.timer); }
}
