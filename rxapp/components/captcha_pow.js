// The captcha's proof of work, solved in the browser (see rxapp/components/captcha_pow.py and SECURITY.md).
// For every <input name="captcha_proof" data-challenge="{ALTCHA v2 puzzle}"> it finds the counter whose
// SHA-256(salt + nonce + counter) starts with the signed prefix and puts the ALTCHA payload in the input.
(() => {
  if (window.__rxPow) { window.__rxPow.scan(); return; }
  const K = new Int32Array([0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]);
  const H0 = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
  const W = new Int32Array(64);
  const OUT = new Int32Array(8);
  const words = (hex) => { const w = []; for (let i = 0; i < hex.length; i += 8) w.push(parseInt(hex.slice(i, i + 8).padEnd(8, "0"), 16) | 0); return w; };
  // SHA-256 of one 64-byte block: salt (16 bytes) + nonce (16) + counter (uint32 big-endian), padded.
  const hash = (head, counter) => {
    for (let i = 0; i < 8; i++) W[i] = head[i];
    W[8] = counter | 0; W[9] = 0x80000000 | 0;
    for (let i = 10; i < 15; i++) W[i] = 0;
    W[15] = 36 * 8;
    for (let i = 16; i < 64; i++) {
      const a = W[i - 15], b = W[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = H0[0], b = H0[1], c = H0[2], d = H0[3], e = H0[4], f = H0[5], g = H0[6], h = H0[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    OUT[0] = (H0[0] + a) | 0; OUT[1] = (H0[1] + b) | 0; OUT[2] = (H0[2] + c) | 0; OUT[3] = (H0[3] + d) | 0;
    OUT[4] = (H0[4] + e) | 0; OUT[5] = (H0[5] + f) | 0; OUT[6] = (H0[6] + g) | 0; OUT[7] = (H0[7] + h) | 0;
    return OUT;
  };
  const hex = (arr) => Array.from(arr, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
  const solved = new Map();  // puzzle JSON -> Promise of the proof (base64 ALTCHA payload)
  const solve = (json) => {
    if (solved.has(json)) return solved.get(json);
    const promise = new Promise((resolve) => {
      let challenge;
      try { challenge = JSON.parse(json); } catch (e) { resolve(""); return; }
      const p = challenge.parameters || {};
      if (p.algorithm !== "SHA-256" || p.cost !== 1 || (p.keyLength || 32) !== 32) { resolve(""); return; }
      const head = words(p.salt + p.nonce);
      const prefix = String(p.keyPrefix || "").toLowerCase();
      const target = words(prefix), full = Math.floor(prefix.length / 8), rest = prefix.slice(full * 8);
      const started = performance.now();
      let counter = 0;
      // Slices of at most SLICE_MS, each followed by a yield to the page: the page stays responsive
      // (no long task, so nothing waits for the puzzle) while the work goes on at nearly full speed.
      const SLICE_MS = 8;
      const channel = new MessageChannel();
      const step = () => {
        const sliceEnd = performance.now() + SLICE_MS;
        do {
          const stop = Math.min(counter + 1024, 0x7fffffff);
          for (; counter < stop; counter++) {
            const out = hash(head, counter);
            let ok = true;
            for (let i = 0; i < full; i++) if (out[i] !== target[i]) { ok = false; break; }
            if (ok && rest && !(out[full] >>> 0).toString(16).padStart(8, "0").startsWith(rest)) ok = false;
            if (ok) {
              const took = Math.round(performance.now() - started);
              const payload = { challenge, solution: { counter, derivedKey: hex(out), time: took } };
              window.__rxPowLast = { counter, took };
              resolve(btoa(JSON.stringify(payload)));
              return;
            }
          }
        } while (counter < 0x7fffffff && performance.now() < sliceEnd);
        if (counter >= 0x7fffffff || performance.now() - started > 120000) { resolve(""); return; }
        channel.port2.postMessage(null);  // the next slice, after whatever the page has queued
      };
      channel.port1.onmessage = step;
      // The first slice too in a task of its own: not inside the React commit or the observer callback
      // that asked for the proof, which it lengthened by a slice.
      channel.port2.postMessage(null);
    });
    solved.set(json, promise);
    return promise;
  };
  const fill = (input) => {
    const json = input.getAttribute("data-challenge") || "";
    if (!json || input.dataset.solvedFor === json) return Promise.resolve();
    return solve(json).then((proof) => {
      if ((input.getAttribute("data-challenge") || "") === json) {
        input.value = proof;
        input.dataset.solvedFor = json;
      }
    });
  };
  const scan = () => { document.querySelectorAll("input[name=captcha_proof]").forEach(fill); };
  // A form sent before its proof is ready waits for it (a few milliseconds), then goes.
  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    const input = form.querySelector("input[name=captcha_proof]");
    if (!input || !input.getAttribute("data-challenge") || input.dataset.solvedFor === input.getAttribute("data-challenge")) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    fill(input).then(() => form.requestSubmit());
  }, true);
  new MutationObserver(scan).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-challenge"],
  });
  window.__rxPow = { solve, scan };
  scan();
})();
