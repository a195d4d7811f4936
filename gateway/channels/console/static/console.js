// The console's only script (no inline script is allowed by the pages' Content-Security-Policy).
// The pages work without it; with it, a file can be dropped on the form, and a dry run shows the
// upload's progress and then the server's phase while the checks run.
"use strict";

function setUpDropzone(zone, input) {
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      zone.querySelector("span").textContent = input.files[0].name;
    }
  });
  input.addEventListener("change", function () {
    if (input.files.length) { zone.querySelector("span").textContent = input.files[0].name; }
  });
}

function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MiB"; }

function dryRun(form, submitter) {
  var result = document.getElementById("result");
  var box = document.getElementById("progress");
  var bar = document.getElementById("upload-bar");
  var text = document.getElementById("progress-text");
  var data = new FormData(form, submitter);
  var xhr = new XMLHttpRequest();
  box.hidden = false;
  bar.value = 0;
  text.dataset.phase = "uploading";
  text.textContent = "Uploading…";
  result.innerHTML = "";
  xhr.upload.addEventListener("progress", function (event) {
    if (event.lengthComputable) {
      bar.value = Math.round(100 * event.loaded / event.total);
      text.textContent = "Uploading " + megabytes(event.loaded) + " of " + megabytes(event.total);
    }
  });
  xhr.upload.addEventListener("load", function () {
    bar.value = 100;
    text.dataset.phase = "uploaded";
    text.textContent = "Uploaded; waiting for the server…";
  });
  xhr.addEventListener("progress", function () {
    // the server streams its phase first, the verdict when the checks are done
    var found = xhr.responseText.match(/data-phase="([a-z]+)"[^>]*>([^<]*)</);
    if (found) { text.dataset.phase = found[1]; text.textContent = found[2]; }
  });
  xhr.addEventListener("load", function () {
    text.dataset.phase = "done";
    text.textContent = xhr.status === 200 ? "Checked." : "Failed (" + xhr.status + ").";
    result.innerHTML = xhr.responseText;
  });
  xhr.addEventListener("error", function () {
    text.dataset.phase = "failed";
    text.textContent = "The upload failed: the connection was lost.";
  });
  xhr.open("POST", form.getAttribute("action"));
  xhr.setRequestHeader("X-Console-Partial", "1");
  xhr.send(data);
}

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("check-form");
  if (!form) { return; }
  setUpDropzone(document.getElementById("dropzone"), form.querySelector("input[type=file]"));
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === "dry-run" && window.FormData && window.XMLHttpRequest) {
      event.preventDefault();
      dryRun(form, submitter);
    }
    // submitting for real is an ordinary post: the browser follows to the stored document
  });
});
