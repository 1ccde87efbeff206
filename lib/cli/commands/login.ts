import type { Command } from "commander";
import { cliEnv } from "../../env";
import { action } from "../command";
import { call, clientFor } from "../client";
import { configFile, forgetConfig, normaliseUrl, saveConfig } from "../config";
import { CliError, EXIT, usageError } from "../exit-codes";

const TOKEN_SHAPE = /^ccl_(pat|ses)_\S+$/;

/**
 * `clawlink login <url>`: checks the node answers, takes an API token made in the portal (hidden
 * input on a terminal, else one line of stdin, or CLAWLINK_TOKEN — never an argument, so it stays
 * out of shell history and `ps`), proves it against the node, and saves both owner-only.
 */
export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("Sign in to a node: saves its URL and your API token (Account → API tokens in the portal)")
    .argument("<url>", "the node, e.g. http://127.0.0.1:3000")
    .action(
      action<{ json?: boolean }, [string]>(async ({ out, prompter }, rawUrl) => {
        const url = normaliseUrl(rawUrl);
        const anonymous = clientFor(url, null);
        await call(anonymous.GET("/api/health"));
        let token = cliEnv().CLAWLINK_TOKEN ?? null;
        if (token) out.note("Using the token in CLAWLINK_TOKEN.");
        else {
          out.note(`Create an API token in the portal: ${url}/account → API tokens → Create token (it is shown once).`);
          token = await prompter().secret("Paste the token:");
        }
        if (!token) throw usageError("No token given");
        token = token.trim();
        if (!TOKEN_SHAPE.test(token)) throw usageError("That is not a coderClawLink token (they start with ccl_pat_ or ccl_ses_)");
        const listed = await call(clientFor(url, token).GET("/api/account/tokens")).catch((error: CliError) => {
          if (error.exitCode === EXIT.auth) throw new CliError(`${url} refused this token: ${error.message}`, EXIT.auth, error.code);
          throw error;
        });
        const mine = listed.tokens.find((t) => token!.startsWith(t.prefix));
        const file = saveConfig({ url, token });
        out.result({ url, config_file: file, token: mine ? { name: mine.name, prefix: mine.prefix, expires_at: mine.expires_at } : null }, () => {
          out.line(`Signed in to ${url}${mine ? ` with token "${mine.name}"${mine.expires_at ? ` (expires ${mine.expires_at.slice(0, 10)})` : ""}` : ""}.`);
          out.note(`Saved to ${file} (readable only by you).`);
        });
      }),
    );

  program
    .command("logout")
    .description("Forget the saved node and token (the token itself stays valid until you revoke it in the portal)")
    .action(
      action(async ({ out }) => {
        const file = configFile();
        const had = forgetConfig();
        out.result({ signed_out: had, config_file: file }, () => out.line(had ? `Signed out (removed ${file}).` : "Not signed in."));
      }),
    );
}
