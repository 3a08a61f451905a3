//! simloop-asyncio (under construction).
