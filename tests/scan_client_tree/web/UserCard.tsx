import { gql, useQuery } from "@apollo/client";

const CARD_FRAGMENT = gql`
  fragment CardUser on User {
    id
    fullName
  }
`;

export const USERS = gql`
  query Users($after: String) {
    users(offset: 10, after: $after) {
      ...CardUser
    }
  }
  ${CARD_FRAGMENT}
`;

export function UserCard() {
  const { data } = useQuery(USERS);
  return <div>{data?.users.length}</div>;
}
