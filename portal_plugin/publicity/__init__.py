"""双公示 and the public list (条例 Art 22): the publication queue, the public agency list."""
