import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDatabase } from "../db";
import { authConfig } from "./auth.config";
import { clientIp } from "./request-meta";
import { verifyCredentials } from "./sign-in";

const credentialsSchema = z.object({ email: z.string().trim().toLowerCase().email(), password: z.string().min(1).max(1024) });

class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) throw new InvalidCredentials();
        const { db } = await getDatabase();
        const user = await verifyCredentials(db, { ...parsed.data, ip: clientIp(request) });
        if (!user) throw new InvalidCredentials();
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
  ],
});
