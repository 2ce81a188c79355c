const graphql = require("graphql-tag");

// a typo the scanner must catch
module.exports.LIST = graphql(`
  query List {
    users {
      fulName
    }
  }
`);
