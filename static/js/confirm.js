// Forms with data-confirm ask before they submit (delete, reset, restore). The question is
// read from the attribute, so a cluster's name never passes through script source.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
