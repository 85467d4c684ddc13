/**
 * The web client's page. The assets are TypeScript modules exporting
 * strings rather than files read at run time: `deno compile` embeds them
 * with no `--include`, the server needs no read permission on its own
 * source, and nothing depends on the unstable text imports. The page holds
 * no inline script or style (the CSP forbids both).
 */

/** `/`: the shell the script fills in. */
export const INDEX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>ftpx</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header id="top" hidden>
  <span class="brand">ftpx</span>
  <span id="who"></span>
  <span id="quota" role="status" aria-live="polite"></span>
  <nav class="actions" aria-label="Account">
    <button type="button" id="nav-files">Files</button>
    <button type="button" id="nav-admin" hidden>Admin</button>
    <button type="button" id="passwd">Password</button>
    <button type="button" id="logout">Log out</button>
  </nav>
</header>
<main id="main">
  <section id="login-view" hidden>
    <h1>Log in to ftpx</h1>
    <form id="login-form">
      <label>User <input name="user" id="login-user" autocomplete="username" required autofocus></label>
      <label>Password <input name="password" id="login-password" type="password" autocomplete="current-password" required></label>
      <button type="submit" id="login-submit">Log in</button>
    </form>
  </section>
  <section id="files-view" hidden>
    <nav id="crumbs" aria-label="Breadcrumbs"></nav>
    <div class="toolbar">
      <label class="button" for="picker">Upload files</label>
      <input type="file" id="picker" multiple class="visually-hidden">
      <button type="button" id="mkdir">New folder</button>
      <button type="button" id="refresh">Refresh</button>
    </div>
    <div id="drop" tabindex="-1" aria-label="Drop files here to upload">
      <table id="listing">
        <caption class="visually-hidden">Files in this folder</caption>
        <thead><tr>
          <th scope="col"><button type="button" class="sort" data-key="name">Name</button></th>
          <th scope="col" class="num"><button type="button" class="sort" data-key="size">Size</button></th>
          <th scope="col" class="date"><button type="button" class="sort" data-key="mtime">Modified</button></th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr></thead>
        <tbody></tbody>
      </table>
      <p class="hint">Drop files anywhere here to upload them to this folder.</p>
    </div>
    <ul id="uploads" aria-label="Uploads"></ul>
  </section>
  <section id="admin-view" hidden>
    <h1>Administration</h1>
    <h2>Accounts</h2>
    <form id="adduser-form" class="inline">
      <label>Name <input name="name" id="new-name" required pattern="[a-z0-9_][a-z0-9_.\-]{0,31}"></label>
      <label>Password <input name="password" id="new-password" type="password" autocomplete="new-password" required></label>
      <label>Quota <input name="quota" id="new-quota" placeholder="e.g. 500M, 0 = unlimited"></label>
      <label class="check"><input type="checkbox" name="admin" id="new-admin"> Admin</label>
      <button type="submit" id="adduser-submit">Create account</button>
    </form>
    <table id="users"><caption class="visually-hidden">Accounts</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col" class="num">Used</th><th scope="col" class="num">Quota</th><th scope="col" class="date">Last login</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody></tbody></table>
    <h2>Live sessions</h2>
    <table id="sessions"><caption class="visually-hidden">Live sessions of all fronts</caption>
      <thead><tr><th scope="col">User</th><th scope="col">Front</th><th scope="col">Address</th><th scope="col" class="date">Since</th><th scope="col">Activity</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody></tbody></table>
    <h2>Recent administrator actions</h2>
    <table id="actions"><caption class="visually-hidden">Recent administrator actions</caption>
      <thead><tr><th scope="col" class="date">When</th><th scope="col">By</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Detail</th></tr></thead>
      <tbody></tbody></table>
  </section>
  <div id="message" role="alert" aria-live="assertive"></div>
</main>
<dialog id="dialog">
  <form method="dialog" id="dialog-form">
    <h2 id="dialog-title"></h2>
    <div id="dialog-fields"></div>
    <div class="dialog-buttons">
      <button type="submit" value="ok" id="dialog-ok">OK</button>
      <button type="button" id="dialog-cancel">Cancel</button>
    </div>
  </form>
</dialog>
</body>
</html>
`;
