/** The version of osauth, sent in the default User-Agent (`osauth/<version>`). */
export const VERSION = "0.1.0";
