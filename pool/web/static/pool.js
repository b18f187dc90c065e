// The pages' few behaviours, loaded as a file (the Content-Security-Policy forbids inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A form marked data-confirm asks before it is sent.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
      // A long run shows that it is under way until the page answers.
      var busy = form.dataset.busy && document.getElementById(form.dataset.busy);
      if (busy) { busy.classList.add("shown"); }
    });
  });
  // Agreement fields: show the bound a value breaks beside the field, before anything is sent.
  document.querySelectorAll("input[data-min], input[data-max]").forEach(function (input) {
    var note = document.getElementById(input.id + "-problem");
    input.addEventListener("input", function () {
      var text = input.value.trim().replace(/%$/, "");
      var value = Number(text);
      var problem = "";
      if (text !== "" && Number.isNaN(value)) { problem = input.dataset.notNumber; }
      else if (text !== "" && input.dataset.min !== undefined && value < Number(input.dataset.min)) { problem = input.dataset.tooLow; }
      else if (text !== "" && input.dataset.max !== undefined && value > Number(input.dataset.max)) { problem = input.dataset.tooHigh; }
      input.setCustomValidity(problem || "");
      if (note) { note.textContent = problem || ""; }
    });
  });
});
