// Placeholder until GyreHTTP2 lands.
