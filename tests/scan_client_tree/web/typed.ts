import { gql } from "./gql";

export const ROLE = gql<{ me: { role: string } }>`query Role { me { role } }`;
