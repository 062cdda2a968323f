/**
 * The codec sign-in page (`GET /codec/login`): one self-contained HTML page, Japanese and English
 * side by side, no script and no external asset (its CSP allows only its own inline style, by
 * nonce). Signed out it shows the form; signed in, who is signed in, the one-time setting the
 * Temporal UI needs in this browser, and the sign-out button.
 */

export interface CodecLoginView {
  /** The account of a live codec sign-in in this browser, if any. */
  signedIn?: { username: string; role: string; canDecode: boolean };
  /** A refused sign-in: the same message whatever failed (api/auth/sessions.ts). */
  error?: string;
  /** Where the Temporal UI is and the codec endpoint to give it (this API's /codec). */
  uiUrl: string;
  codecEndpoint: string;
  namespace: string;
  /** A configuration that keeps browsers from storing the cookie (see codecCookiePolicy). */
  configProblem?: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const STYLE = `
body { font-family: system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #1b1b1b; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.en { color: #555; font-size: .9em; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { font-size: 1rem; padding: .4rem; width: 100%; max-width: 20rem; box-sizing: border-box; }
button { display: block; margin-top: 1.2rem; font-size: 1rem; padding: .5rem 1.4rem; }
.error, .warn { border-left: 4px solid #b00020; background: #fdecee; padding: .6rem 1rem; }
.warn { border-color: #b26a00; background: #fff4e0; }
.ok { border-left: 4px solid #1b6e20; background: #eaf6ea; padding: .6rem 1rem; }
code { background: #f2f2f2; padding: 0 .25rem; word-break: break-all; }
`;

function form(): string {
  return `
<form method="post" action="session" autocomplete="on">
  <label for="username">ユーザー名 <span class="en">Username</span></label>
  <input id="username" name="username" autocomplete="username" required maxlength="64" autofocus>
  <label for="password">パスワード <span class="en">Password</span></label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
  <label for="otp">ワンタイムコード（認証アプリの6桁） <span class="en">One-time code (6 digits from the authenticator app)</span></label>
  <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
  <button type="submit">サインイン <span class="en">Sign in</span></button>
</form>`;
}

function signedIn(v: CodecLoginView, who: NonNullable<CodecLoginView['signedIn']>): string {
  const ui = `${v.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(v.namespace)}/workflows`;
  const refused = who.canDecode ? '' : `
<p class="warn">この役割（${escapeHtml(who.role)}）は案件を閲覧できないため、復号は拒否されます。<br>
<span class="en">The role ${escapeHtml(who.role)} does not read cases: the codec refuses its decodes.</span></p>`;
  return `
<p class="ok"><strong>${escapeHtml(who.username)}</strong>（${escapeHtml(who.role)}）でサインイン中です。
30分間操作がないと終了します。<br>
<span class="en">Signed in as ${escapeHtml(who.username)} (${escapeHtml(who.role)}); the sign-in ends after 30 minutes without use.</span></p>${refused}
<p><a href="${escapeHtml(ui)}">Temporal UI を開く <span class="en">Open the Temporal UI</span></a></p>
<form method="post" action="logout"><button type="submit">サインアウト <span class="en">Sign out</span></button></form>
<h2>このブラウザで一度だけ行う設定 <span class="en">One-time setting in this browser</span></h2>
<ol>
  <li>Temporal UI の上部にある Codec Server のアイコンを押す。<br>
    <span class="en">In the Temporal UI, click the Codec Server icon in the top bar.</span></li>
  <li>「Use my browser setting and ignore Cluster-level setting.」を選ぶ。<br>
    <span class="en">Choose "Use my browser setting and ignore Cluster-level setting."</span></li>
  <li>「Codec Server browser endpoint」に <code>${escapeHtml(v.codecEndpoint)}</code> を入力する。<br>
    <span class="en">Enter <code>${escapeHtml(v.codecEndpoint)}</code> as the Codec Server browser endpoint.</span></li>
  <li>「Include cross-origin credentials」をオンにし、「Pass the user access token」はオフのまま Apply を押す。<br>
    <span class="en">Turn on "Include cross-origin credentials", leave "Pass the user access token" off, and click Apply.</span></li>
</ol>
<p>この設定がないと、UI はサインインなしで復号を依頼し、内容は暗号化されたまま表示されます。<br>
<span class="en">Without it the UI asks the codec without this sign-in and shows the payloads encrypted: the Temporal dev
server cannot tell its UI to send credentials. (A UI server started with TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true needs
no setting.)</span></p>`;
}

export function renderCodecLoginPage(v: CodecLoginView, nonce: string): string {
  const problem = v.configProblem ? `<p class="warn">${escapeHtml(v.configProblem)}</p>` : '';
  const error = v.error ? `<p class="error" role="alert">サインインできませんでした。<br><span class="en">${escapeHtml(v.error)}</span></p>` : '';
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Temporal UI 復号のサインイン — Codec sign-in</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<h1>Temporal UI の復号（コーデック）へのサインイン<br><span class="en">Sign in to the Temporal UI codec</span></h1>
<p>案件の履歴を Temporal UI で読むための職員用サインインです。復号はすべて監査ログに記録されます。<br>
<span class="en">Staff sign-in for reading case histories in the Temporal UI. Every decode is written to the audit log.</span></p>
${problem}${error}${v.signedIn ? signedIn(v, v.signedIn) : form()}
</body>
</html>
`;
}
