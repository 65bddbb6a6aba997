// dossier serve: the drop zone and live progress. Plain forms work without this file.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function post(url, body) {
    const response = await fetch(url, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}});
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return {status: response.status, data: data};
  }

  // -- drop zone ---------------------------------------------------------------------
  const drop = document.getElementById("drop");
  if (drop) {
    const status = document.getElementById("drop-status");
    const send = async (files) => {
      if (!files.length) return;
      const body = new FormData();
      for (const f of files) body.append("files", f, f.name);
      status.textContent = "正在上传 " + files.length + " 个文件……";
      const {status: code, data} = await post(drop.action, body);
      if (code === 200) {
        const names = data.added.map((a) => a.rel.split("/").pop());
        const query = names.map((n) => "added=" + encodeURIComponent(n)).join("&");
        window.location.href = window.location.pathname + "?" + query;
      } else {
        status.textContent = data.error || ("上传失败（" + code + "）。");
        status.className = "refusal";
      }
    };
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => {
      e.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => {
      e.preventDefault(); drop.classList.remove("over"); }));
    drop.addEventListener("drop", (e) => send(Array.from(e.dataTransfer.files)));
    document.getElementById("picker").addEventListener("change", (e) => send(Array.from(e.target.files)));
    drop.addEventListener("submit", (e) => { e.preventDefault(); send(Array.from(document.getElementById("picker").files)); });
  }

  // -- build and pack with live progress ---------------------------------------------------
  const progress = document.getElementById("progress");
  if (!progress) return;
  const bar = document.getElementById("job-bar");
  const stage = document.getElementById("job-stage");
  const logList = document.getElementById("job-log");
  const result = document.getElementById("job-result");
  const buttons = document.querySelectorAll(".actions button");

  function follow() {
    buttons.forEach((b) => { b.disabled = true; });
    progress.classList.remove("hidden");
    const source = new EventSource("/events");
    source.onmessage = (message) => {
      const e = JSON.parse(message.data);
      if (e.type === "start") {
        document.getElementById("job-title").textContent = e.title;
        logList.innerHTML = ""; result.textContent = ""; result.className = ""; bar.style.width = "0%";
      } else if (e.type === "stage") {
        stage.textContent = e.description + (e.total ? "（共 " + e.total + " 项）" : "") + "……";
        bar.style.width = e.total ? "0%" : "100%";
      } else if (e.type === "advance") {
        stage.textContent = e.description + " " + e.done + (e.total ? "/" + e.total : "") + " " + e.note;
        if (e.total) bar.style.width = Math.min(100, Math.round(100 * e.done / e.total)) + "%";
      } else if (e.type === "log") {
        const li = document.createElement("li"); li.textContent = e.message; logList.appendChild(li);
      } else if (e.type === "end") {
        source.close();
        bar.style.width = "100%";
        result.textContent = e.message; result.className = e.state;
        window.location.reload();  // the list of outputs and the log come from the server
      }
    };
  }

  document.querySelectorAll("form.job").forEach((form) => form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const {status: code, data} = await post(form.action, new FormData(form));
    if (code === 202) { follow(); return; }
    progress.classList.remove("hidden");
    result.textContent = data.error || ("无法开始（" + code + "）。");
    result.className = "failed";
  }));
  if (progress.dataset.running === "1") follow();
})();
