// The map page: play any prompt (its audio file, or the browser's voice for <Say> prompts),
// from the list or from the diagram; changing the language reloads the page in that language.
"use strict";

(() => {
  const now = document.getElementById("now");
  const player = document.getElementById("player");
  const select = document.getElementById("locale");

  function pickVoice(lang) {
    if (!("speechSynthesis" in window)) return null;
    const want = lang.toLowerCase();
    const voices = window.speechSynthesis.getVoices();
    return voices.find((v) => v.lang.toLowerCase() === want)
      || voices.find((v) => v.lang.toLowerCase().split("-")[0] === want.split("-")[0]) || null;
  }

  function stop() {
    player.pause();
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
  }

  function play(data) {
    stop();
    if (data.playUrl) {
      now.textContent = "Playing the audio file: " + (data.text || data.playUrl);
      player.src = data.playUrl;
      player.onerror = () => { now.textContent = "This audio file could not be played: " + data.playUrl; };
      player.play().catch(() => { now.textContent = "The browser would not play " + data.playUrl; });
      return;
    }
    if (data.say) {
      const voice = pickVoice(data.lang || "en-US");
      if (!voice) {
        now.textContent = "No browser voice for " + data.lang + " - Twilio's <Say> would read: " + data.say;
        return;
      }
      const utterance = new SpeechSynthesisUtterance(data.say);
      utterance.lang = data.lang;
      utterance.voice = voice;
      now.textContent = "Speaking (" + data.lang + ", the browser's voice, not Twilio's): " + data.say;
      window.speechSynthesis.speak(utterance);
    }
  }

  document.querySelectorAll("button.play").forEach((button) => {
    button.addEventListener("click", () => play(button.dataset));
  });

  // The diagram's prompt rows become buttons too.
  document.querySelectorAll(".diagram g.prompt").forEach((row) => {
    if (!row.dataset.playUrl && !row.dataset.say) return;
    row.setAttribute("tabindex", "0");
    row.setAttribute("role", "button");
    row.setAttribute("aria-label", "Play " + row.dataset.prompt + " (" + row.dataset.locale + ")");
    row.addEventListener("click", () => play(row.dataset));
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        play(row.dataset);
      }
    });
  });

  if (select) {
    select.addEventListener("change", () => select.form.submit());
  }
  if ("speechSynthesis" in window) window.speechSynthesis.getVoices();
})();
