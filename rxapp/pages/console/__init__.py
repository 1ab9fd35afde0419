"""The reviewer console's pages, one module per section."""
