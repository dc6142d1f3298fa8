export async function devCommand(_argv: string[]): Promise<number> { return 1; }
