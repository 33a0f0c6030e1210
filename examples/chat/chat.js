// The chat page: a WebSocket when the browser and the network allow one,
// long polling otherwise (or when the page is opened with
// ?transport=poll). Every message carries an id; the page shows each id
// once, in order, whichever way it came.
"use strict";

const messages = document.getElementById("messages");
const transport = document.getElementById("transport");
const form = document.getElementById("compose");
const nameInput = document.getElementById("name");
const textInput = document.getElementById("text");

let lastId = 0;   // the newest message shown
let socket = null; // an open WebSocket, or null while polling

function show(message) {
  if (message.id <= lastId) return; // seen already
  lastId = message.id;
  const item = document.createElement("li");
  item.dataset.id = message.id;
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = message.name;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message.text;
  item.append(name, text);
  messages.append(item);
  item.scrollIntoView();
}

function wsUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/chat/ws?after=${lastId}`;
}

// Opens a WebSocket; if it never opens, falls back to polling. One that
// opened and then dropped is tried again after a second.
function connect() {
  let opened = false;
  const ws = new WebSocket(wsUrl());
  ws.onopen = () => {
    opened = true;
    socket = ws;
    transport.textContent = "websocket";
  };
  ws.onmessage = (event) => show(JSON.parse(event.data));
  ws.onclose = () => {
    socket = null;
    if (opened) {
      transport.textContent = "reconnecting";
      setTimeout(connect, 1000);
    } else {
      poll();
    }
  };
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// Long polling: each request waits on the server until there is news.
async function poll() {
  transport.textContent = "long polling";
  for (;;) {
    try {
      const answer = await fetch(`/chat/messages?after=${lastId}`,
                                 { cache: "no-store" });
      if (!answer.ok) throw new Error(`status ${answer.status}`);
      for (const message of await answer.json()) show(message);
    } catch (error) {
      transport.textContent = "long polling (retrying)";
      await sleep(1000);
      transport.textContent = "long polling";
    }
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = textInput.value.trim();
  if (!text) return;
  const body = JSON.stringify({ name: nameInput.value.trim(), text });
  textInput.value = "";
  if (socket) {
    socket.send(body);
  } else {
    await fetch("/chat/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
  }
});

const wanted = new URLSearchParams(location.search).get("transport");
if (wanted === "poll" || !("WebSocket" in window)) poll();
else connect();
