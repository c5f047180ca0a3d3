"""The GraphQL layer: types, the schema builder and the resolvers of each domain."""
