// A progress bar with a rate and an estimate of the time left, redrawn in place on a terminal and
// printed every few seconds otherwise (CI logs).

const WIDTH = 30;

/** @param {number} seconds */
function duration(seconds) {
  if (!Number.isFinite(seconds)) {
    return "?";
  }
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

/**
 * @param {number} n
 * @param {string} unit "bytes", or what is counted ("persons")
 */
function amount(n, unit) {
  return unit === "bytes" ? `${(n / 2 ** 20).toFixed(0)} MiB` : `${n.toLocaleString("en")} ${unit}`;
}

export class Progress {
  /**
   * @param {string} label
   * @param {number} total
   * @param {string} unit "bytes", or what is counted ("persons")
   * @param {(NodeJS.WritableStream & { isTTY?: boolean }) | undefined} [out] nothing is drawn without one
   */
  constructor(label, total, unit, out = process.stderr) {
    this.label = label;
    this.total = total;
    this.unit = unit;
    this.out = out;
    this.started = Date.now();
    this.drawn = 0;
    this.tty = Boolean(out?.isTTY);
  }

  /** @param {number} done */
  update(done) {
    const now = Date.now();
    if (now - this.drawn < (this.tty ? 200 : 5000)) {
      return;
    }
    this.drawn = now;
    this.draw(done, false);
  }

  /** @param {number} done */
  done(done) {
    this.draw(done, true);
  }

  /**
   * @param {number} done
   * @param {boolean} final
   */
  draw(done, final) {
    if (!this.out) {
      return;
    }
    const elapsed = (Date.now() - this.started) / 1000;
    const share = Math.min(1, done / this.total);
    const filled = Math.round(share * WIDTH);
    const rate = done / Math.max(elapsed, 0.001);
    const left = final ? `done in ${duration(elapsed)}` : `ETA ${duration((this.total - done) / rate)}`;
    const line = `${this.label.padEnd(9)} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${amount(done, this.unit)} (${amount(Math.round(rate), this.unit)}/s) ${left}`;
    this.out.write(this.tty ? `\r${line}${final ? "\n" : ""}` : `${line}\n`);
  }
}
