export const Plain = () => <p>No GraphQL here.</p>;
