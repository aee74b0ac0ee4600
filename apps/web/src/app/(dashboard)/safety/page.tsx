import { getSessionUser } from "~/server/auth/session";
import { can } from "~/server/permissions";
import { SafetyView } from "./safety-view";

export default async function SafetyPage() {
  const user = await getSessionUser();
  return (
    <>
      <h1>Safety settings</h1>
      <SafetyView canEdit={can(user, "putSafetyConfig")} />
    </>
  );
}
