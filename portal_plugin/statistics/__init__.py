"""统计分析 (statistics): new and deregistered agencies by year and district."""
