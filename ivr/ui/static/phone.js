// The web phone: calls the line through /phone/send (which signs each webhook like Twilio and
// calls the app) and does what a phone on a Twilio call would do with the TwiML it gets back.
// Plain JavaScript, no build step, no network beyond this server.
"use strict";

(() => {
  const phone = document.getElementById("phone");
  const START = phone.dataset.start;
  const transcript = document.getElementById("transcript");
  const statusLine = document.getElementById("status");
  const callButton = document.getElementById("call");
  const hangupButton = document.getElementById("hangup");
  const dialPanel = document.getElementById("dial");
  const dialText = document.getElementById("dial-text");
  const player = document.getElementById("player");
  const KEYS = "0123456789*#";
  const CHARS_PER_SECOND = 15;  // how long text takes to say when the browser has no voice for it

  let call = null;       // the call in progress: {sid, listener, dial, timers}
  let playing = null;    // the sound playing now: {stop()}
  const warned = new Set();

  // --- transcript and status -------------------------------------------------------------------

  function log(kind, text, lang) {
    const item = document.createElement("li");
    item.className = "t t-" + kind;
    item.dataset.kind = kind;
    item.textContent = text;
    if (lang) {
      item.lang = lang;
      item.dir = "auto";
    }
    transcript.append(item);
    transcript.scrollTop = transcript.scrollHeight;  // scroll the list only, never the page
    return item;
  }

  function status(text) {
    statusLine.textContent = text;
  }

  function setCalling(on) {
    callButton.disabled = on;
    hangupButton.disabled = !on;
    phone.classList.toggle("in-call", on);
  }

  // --- talking to the line -----------------------------------------------------------------------

  function newCallSid() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "CA" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function request(c, url, params, method) {
    const reply = await fetch("phone/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url, call: c.sid, params, method }),
    });
    if (!reply.ok) {
      throw new Error("HTTP " + reply.status);
    }
    return reply.json();
  }

  async function follow(c, url, params, method) {
    if (!url) {
      log("error", "(the TwiML names no URL to go to: a real call would end here)");
      end(c, "The call ended.");
      return;
    }
    let answer;
    try {
      answer = await request(c, url, params || {}, (method || "POST").toUpperCase());
    } catch (err) {
      if (c === call) {
        log("error", "The line could not be reached (" + err.message + "). Is `ivr serve --dev` still running?");
        end(c, "The call failed.");
      }
      return;
    }
    if (c !== call) return;
    if (answer.status !== 200) {
      log("error", "The line answered HTTP " + answer.status + ": a real caller would hear Twilio's application error.");
      end(c, "The call failed.");
      return;
    }
    c.url = url;
    await run(c, answer.twiml, answer.sounds || {});
  }

  // --- TwiML -------------------------------------------------------------------------------------

  async function run(c, xml, sounds) {
    const doc = new DOMParser().parseFromString(xml, "text/xml");
    const root = doc.documentElement;
    if (doc.getElementsByTagName("parsererror").length || root.nodeName !== "Response") {
      log("error", "The line's answer is not TwiML: a real caller would hear an application error.");
      end(c, "The call failed.");
      return;
    }
    for (const verb of Array.from(root.children)) {
      if (c !== call) return;
      switch (verb.nodeName) {
        case "Say":
        case "Play":
        case "Pause":
          await sound(c, verb, sounds);
          break;
        case "Gather": {
          const digits = await gather(c, verb, sounds);
          if (c !== call) return;
          if (digits !== null) {
            return follow(c, verb.getAttribute("action") || c.url, { Digits: digits }, verb.getAttribute("method"));
          }
          log("silence", "(no key pressed for " + gatherTimeout(verb) + " s)");
          break;  // Twilio goes on to the next verb
        }
        case "Redirect":
          return follow(c, verb.textContent.trim(), {}, verb.getAttribute("method"));
        case "Dial": {
          const outcome = await dial(c, verb);
          if (c !== call) return;
          const action = verb.getAttribute("action");
          if (action) {
            return follow(c, action, { DialCallStatus: outcome, DialCallDuration: outcome === "completed" ? "60" : "0" },
              verb.getAttribute("method"));
          }
          break;  // without an action URL Twilio goes on to the next verb
        }
        case "Hangup":
        case "Reject":
          log("end", "(the line hangs up)");
          end(c, "The line hung up.");
          return;
        default:
          log("note", "(this phone does not know <" + verb.nodeName + "> and skips it)");
      }
    }
    if (c === call) {
      log("end", "(no more instructions: the call ends)");
      end(c, "The call ended.");
    }
  }

  function gatherTimeout(verb) {
    const value = parseInt(verb.getAttribute("timeout") || "5", 10);
    return Number.isFinite(value) && value > 0 ? value : 5;
  }

  // A <Gather>: play what it holds; any key stops the sound at once (barge-in); after the sounds,
  // wait `timeout` seconds for a key. Resolves with the digits, or null after the silence.
  function gather(c, verb, sounds) {
    const timeout = gatherTimeout(verb);
    const numDigits = parseInt(verb.getAttribute("numDigits") || "0", 10) || 0;
    const finishOnKey = verb.hasAttribute("finishOnKey") ? verb.getAttribute("finishOnKey") : "#";
    return new Promise((resolve) => {
      let digits = "";
      let done = false;
      let timer = null;
      let ticker = null;
      const clear = () => {
        clearTimeout(timer);
        clearInterval(ticker);
      };
      const finish = (value) => {
        if (done) return;
        done = true;
        clear();
        c.listener = null;
        c.stopGather = null;
        resolve(value);
      };
      const wait = () => {
        clear();
        let left = timeout;
        status("Listening for a key: " + left + " s");
        phone.dataset.listening = "true";
        ticker = setInterval(() => {
          left -= 1;
          if (left > 0) status("Listening for a key: " + left + " s");
        }, 1000);
        timer = setTimeout(() => {
          delete phone.dataset.listening;
          finish(digits === "" ? null : digits);
        }, timeout * 1000);
      };
      c.stopGather = () => finish(null);
      c.listener = (key) => {
        stopSound();  // barge-in
        if (finishOnKey && key === finishOnKey) {
          finish(digits === "" ? null : digits);
          return;
        }
        digits += key;
        if (numDigits && digits.length >= numDigits) {
          finish(digits);
        } else {
          wait();
        }
      };
      (async () => {
        status("The line is speaking - press a key any time");
        for (const inner of Array.from(verb.children)) {
          if (done || c !== call) return;
          await sound(c, inner, sounds);
        }
        if (!done && c === call) wait();
      })();
    });
  }

  // Say, Play or Pause. Resolves when it has finished or was stopped.
  function sound(c, verb, sounds) {
    if (verb.nodeName === "Say") {
      const lang = verb.getAttribute("language") || "en-US";
      const text = verb.textContent.trim();
      const item = log("say", "[" + lang + "] " + text, lang);
      item.title = "<Say voice=\"" + (verb.getAttribute("voice") || "") + "\">";
      return speak(c, text, lang, item);
    }
    if (verb.nodeName === "Play") {
      const url = verb.textContent.trim();
      const known = sounds[url];
      const item = known
        ? log("play", "[" + known.locale + " audio, " + known.source + "] " + known.text, known.locale)
        : log("play", "[audio] " + url);
      item.title = url;
      return playAudio(c, url, known ? known.text : "", item);
    }
    const seconds = parseInt(verb.getAttribute("length") || "1", 10) || 1;
    log("pause", "(" + seconds + " s pause)");
    return pause(seconds * 1000, null);
  }

  function pause(ms, item) {
    return new Promise((resolve) => {
      let finished = false;
      const timer = setTimeout(() => done(), ms);
      function done() {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        if (item) item.classList.remove("now");
        if (playing === me) playing = null;
        resolve();
      }
      const me = { stop: done };
      if (item) item.classList.add("now");
      playing = me;
    });
  }

  function pickVoice(lang) {
    if (!("speechSynthesis" in window)) return null;
    const voices = window.speechSynthesis.getVoices();
    const want = lang.toLowerCase().replace("_", "-");
    const norm = (v) => v.lang.toLowerCase().replace("_", "-");
    return voices.find((v) => norm(v) === want)
      || voices.find((v) => norm(v).split("-")[0] === want.split("-")[0])
      || null;
  }

  function speak(c, text, lang, item) {
    const estimate = Math.min(Math.max(text.length / CHARS_PER_SECOND, 0.8), 30) * 1000;
    const voice = pickVoice(lang);
    if (!voice) {
      if (!warned.has(lang)) {
        warned.add(lang);
        log("note", "(this browser has no voice for " + lang + ": the words are shown, and the phone waits as long as saying them would take)");
      }
      return pause(estimate, item);
    }
    return new Promise((resolve) => {
      let finished = false;
      const utterance = new SpeechSynthesisUtterance(text);
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(watchdog);
        item.classList.remove("now");
        if (playing === me) playing = null;
        resolve();
      };
      const me = {
        stop() {
          window.speechSynthesis.cancel();
          done();
        },
      };
      // Some engines never send "end": never let the call hang on one.
      const watchdog = setTimeout(done, estimate * 2 + 5000);
      utterance.lang = lang;
      utterance.voice = voice;
      utterance.onend = done;
      utterance.onerror = done;
      item.classList.add("now");
      playing = me;
      window.speechSynthesis.speak(utterance);
    });
  }

  function playAudio(c, url, text, item) {
    return new Promise((resolve) => {
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        player.onended = null;
        player.onerror = null;
        item.classList.remove("now");
        if (playing === me) playing = null;
        resolve();
      };
      const me = {
        stop() {
          player.pause();
          done();
        },
      };
      player.onended = done;
      player.onerror = () => {
        log("error", "(this audio file could not be played: " + url + ")");
        done();
      };
      item.classList.add("now");
      playing = me;
      player.src = url;
      const started = player.play();
      if (started && started.catch) {
        started.catch(() => {
          if (!finished) {
            log("note", "(the browser refused to play audio; showing the words instead)");
            finished = true;
            playing = null;
            pause(Math.max(text.length / CHARS_PER_SECOND, 1) * 1000, item).then(resolve);
          }
        });
      }
    });
  }

  function stopSound() {
    if (playing) playing.stop();
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
  }

  // A <Dial>: show who would be called; the operator chooses how that call ended.
  function dial(c, verb) {
    const numberEl = verb.getElementsByTagName("Number")[0];
    const number = (numberEl ? numberEl.textContent : verb.textContent).trim();
    const callerId = verb.getAttribute("callerId") || "the caller's own number";
    const rings = verb.getAttribute("timeout") || "30";
    const text = "would dial " + number + " (caller id " + callerId + ")";
    log("dial", text);
    dialText.textContent = "The line would dial " + number + " (caller id " + callerId + "), ringing up to " + rings + " s.";
    dialPanel.hidden = false;
    status("Forwarding: " + text);
    return new Promise((resolve) => {
      c.dial = (outcome) => {
        c.dial = null;
        dialPanel.hidden = true;
        log("outcome", "(the forwarded call ends: " + outcome + ")");
        resolve(outcome);
      };
      const first = dialPanel.querySelector("button");
      if (first) first.focus();
    });
  }

  // --- the buttons and keys ----------------------------------------------------------------------

  function start() {
    if (call) return;
    transcript.replaceChildren();
    call = { sid: newCallSid(), listener: null, dial: null, stopGather: null, url: START };
    setCalling(true);
    log("note", "Calling the line...");
    status("Calling...");
    follow(call, START, {}, "POST");
  }

  function end(c, message) {
    if (c !== call) return;
    call = null;
    stopSound();
    if (c.stopGather) c.stopGather();
    dialPanel.hidden = true;
    delete phone.dataset.listening;
    setCalling(false);
    status(message + " Press \"Call the line\" to call again.");
    callButton.focus();
  }

  function hangUp() {
    if (!call) return;
    log("end", "You hung up.");
    end(call, "You hung up.");
  }

  function press(key) {
    const button = phone.querySelector('.key[data-key="' + CSS.escape(key) + '"]');
    if (button) {
      button.classList.add("pressed");
      setTimeout(() => button.classList.remove("pressed"), 150);
    }
    if (!call) {
      status("Press \"Call the line\" first.");
      return;
    }
    if (call.listener) {
      log("key", "You pressed " + key);
      delete phone.dataset.listening;
      call.listener(key);
    } else if (call.dial) {
      log("note", "You pressed " + key + " (the forwarded call is not part of the line: ignored)");
    } else {
      log("note", "You pressed " + key + " (nothing is listening for a key right now: a phone ignores it too)");
    }
  }

  callButton.addEventListener("click", start);
  hangupButton.addEventListener("click", hangUp);
  phone.querySelectorAll(".key").forEach((button) => {
    button.addEventListener("click", () => press(button.dataset.key));
  });
  dialPanel.querySelectorAll(".outcome").forEach((button) => {
    button.addEventListener("click", () => {
      if (call && call.dial) call.dial(button.dataset.outcome);
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (event.key.length === 1 && KEYS.includes(event.key)) {
      event.preventDefault();
      press(event.key);
    }
  });
  if ("speechSynthesis" in window) {
    window.speechSynthesis.getVoices();  // start loading the voice list
  }
})();
