// Downloads that need a POST with the CSRF header (the trace export): fetch, then save the answer.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-export]");
  if (!button) return;
  const form = button.form;
  const problem = form.querySelector("[data-export-problem]");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  problem.textContent = "";
  const answer = await fetch(button.dataset.export, {
    method: "POST",
    body: new FormData(form),
    headers: { "X-CSRF-Token": token },
    credentials: "same-origin",
  });
  if (!answer.ok) {
    problem.textContent = `${answer.status} ${await answer.text()}`;
    return;
  }
  const disposition = answer.headers.get("content-disposition") || "";
  const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || "export.csv";
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await answer.blob());
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
});
