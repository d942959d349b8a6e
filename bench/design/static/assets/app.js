// Subscribes to three events and shows the last one.
const ws = new WebSocket(`ws://${location.host}/subscribe?count=3`);
ws.onmessage = (e) => { document.getElementById("status").textContent = JSON.parse(e.data).message; };
