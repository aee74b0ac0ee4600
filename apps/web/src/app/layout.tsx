import "@fontsource-variable/inter/wght.css";
import "./globals.css";

import type { Metadata } from "next";
import type { ReactNode } from "react";

import { TrpcProvider } from "~/trpc/react";

export const metadata: Metadata = {
  title: "Kubewise",
  description: "Kubernetes right-sizing and FinOps",
};
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TrpcProvider>{children}</TrpcProvider>
      </body>
    </html>
  );
}
